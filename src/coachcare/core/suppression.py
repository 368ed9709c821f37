"""Small-cell suppression: the one rule for every figure published outside the provider.

Every output a municipality gets (the dashboard, the evidence report PDF and CSV, ``/api/v1/outcomes``,
``/api/v1/indicators`` and the counts per age band) reads its cells through this module, so no output
can publish a cell that another one hides. The method follows the practice of statistical offices
such as CBS (docs/indicators.md, "Small-cell suppression"):

1. **Primary suppression.** A count of 1 to 4 (below ``COUNT_BELOW``) is hidden; an empty cell (0)
   is not, it says nothing about anyone. A rate is hidden when its numerator is below 5 (0
   included), when the complement (denominator minus numerator) is below 5, or when its
   denominator is below ``RATE_DENOMINATOR_BELOW`` (10); the numerator of a rate hidden for its
   denominator or its rest is then protected as a count too (unless 0). A mean is hidden when the
   number it is taken over is below 10 (or hidden).
2. **Complementary suppression.** The published cells of a municipality are tied by linear
   relations: quarters sum to the period, rows sum to a total (end reasons, age bands, gate advice),
   complements (closed = drop-out + not drop-out). A hidden cell that is the only unknown of a
   relation could be computed back from the others, so one more cell of that relation is hidden
   (the smallest). Cells that are never published themselves but can be computed (a complement)
   count as published when they can be computed, and are protected like any other cell when they
   are small. This is repeated until every relation with a hidden or small cell holds at least two
   unknowns, and then checked with exact linear algebra over all relations together and with
   bounds ("no count is negative").
3. A hidden cell is shown as ``MARK`` ("x", as CBS does), whatever the reason: the mark does not
   tell whether the cell was small or hidden to protect another one.

The engine (``protect``) is generic: cells are keys with an exact count, relations say
``total = sum(parts)``. ``monitoring.selectors.figures_build`` builds the cells and relations of the
monitoring tables; the counts of ``/api/v1/indicators`` have no published total, so the primary
rule (``count_shown``) is all they need.
"""

import dataclasses
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

#: Counts below this are never published outside the provider (zero included).
COUNT_BELOW = 5
#: A rate is not published when its numerator, or its complement, is below this.
RATE_NUMERATOR_BELOW = 5
#: A rate or mean is not published when its denominator is below this.
RATE_DENOMINATOR_BELOW = 10
#: What a hidden cell shows.
MARK = "x"

Key = Hashable


@dataclasses.dataclass(frozen=True)
class Relation:
    """``total = sum(parts)`` between cells."""

    total: Key
    parts: tuple[Key, ...]

    @property
    def cells(self) -> tuple[Key, ...]:
        return (self.total, *self.parts)


def small(count: int) -> bool:
    """A count in a table that must not be published or computable: 1 to 4. An empty cell (0) says
    nothing about any one young person; a rate of 0% or 100% is not shown (``rate_visible``)."""
    return 0 < count < COUNT_BELOW


def count_shown(count: int | None) -> int | None:
    """Primary suppression of a lone count (no relation to other published cells): the count, or
    ``None`` when it is below ``COUNT_BELOW``, zero included (a lone count is never a table's
    empty cell: conservative, as before)."""
    if count is None or count < COUNT_BELOW:
        return None
    return count


@dataclasses.dataclass(frozen=True, kw_only=True)
class Protection:
    """The outcome of ``protect``: which published cells are hidden."""

    values: Mapping[Key, int]
    published: frozenset[Key]
    hidden: frozenset[Key]

    def count_visible(self, key: Key) -> bool:
        return key in self.published and key not in self.hidden

    def rate_visible(self, numerator: Key, denominator: Key) -> bool:
        """A rate is shown only with both its counts, over at least ``RATE_DENOMINATOR_BELOW``, with
        a numerator and a complement (denominator minus numerator) of at least ``RATE_NUMERATOR_BELOW``."""
        top, bottom = self.values.get(numerator, 0), self.values.get(denominator, 0)
        return (
            self.count_visible(numerator)
            and self.count_visible(denominator)
            and bottom >= RATE_DENOMINATOR_BELOW
            and top >= RATE_NUMERATOR_BELOW
            and bottom - top >= RATE_NUMERATOR_BELOW
        )

    def mean_visible(self, denominator: Key) -> bool:
        return self.count_visible(denominator) and self.values.get(denominator, 0) >= RATE_DENOMINATOR_BELOW


def _derive(known: set[Key], relations: Sequence[Relation]) -> dict[Key, Relation]:
    """Add to ``known`` every cell that is the only unknown of a relation (repeatedly); returns, per
    derived cell, the relation it was derived from."""
    derived: dict[Key, Relation] = {}
    changed = True
    while changed:
        changed = False
        for relation in relations:
            unknown = [cell for cell in relation.cells if cell not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                derived[unknown[0]] = relation
                changed = True
    return derived


def _candidates(
    relation: Relation, published: frozenset[Key], known: set[Key], derived: dict[Key, Relation]
) -> set[Key]:
    """Published, shown cells whose hiding makes ``relation`` lose a known cell: its own published
    cells, else the published cells its derived cells were computed from."""
    seen: set[Key] = set()
    todo = [relation]
    found: set[Key] = set()
    while todo and not found:
        current = todo.pop()
        for cell in current.cells:
            if cell in seen or cell not in known:
                continue
            seen.add(cell)
            if cell in published:
                found.add(cell)
            elif cell in derived:
                todo.append(derived[cell])
    return found


def protect(
    *,
    values: Mapping[Key, int],
    published: Iterable[Key],
    relations: Sequence[Relation],
    forced: Iterable[Key] = (),
    keep: Callable[[Key], Any] | None = None,
) -> Protection:
    """Primary and complementary suppression of one set of published tables.

    ``values``: the exact count of every cell (published or not); ``published``: the cells an output
    shows; ``relations``: how cells add up; ``forced``: cells hidden whatever their value (the
    numerator of a rate over too few); ``keep``: how much a cell matters where there is a choice of
    which cell to hide (the lowest first; after that the smallest).
    """
    shown_cells = frozenset(published)
    sensitive = {key for key, value in values.items() if small(value)} | set(forced)
    hidden = {key for key in shown_cells if key in sensitive}
    protected = sensitive | hidden

    def rank(cell: Key) -> tuple[Any, int, str]:
        return (keep(cell) if keep else 0, values.get(cell, 0), repr(cell))

    for _round in range(len(shown_cells) + 1):
        known = set(shown_cells - hidden)
        derived = _derive(known, relations)
        leak = next((cell for cell in derived if cell in protected), None)
        if leak is not None:  # the only unknown of one relation: hide another cell of it
            options = _candidates(derived[leak], shown_cells, known, derived) - hidden
            pick = min(options, key=rank) if options else None
        else:  # determined by several relations together: hide a nearby cell that undoes it
            leak = next(iter(_determined(known, relations, protected)), None)
            if leak is None:
                leak = next(iter(_bounded(values, known, relations, protected)), None)
            if leak is None:
                break
            pick = _breaker(
                leak,
                values=values,
                hidden=hidden,
                shown=shown_cells,
                relations=relations,
                protected=protected,
                rank=rank,
            )
        if pick is None:  # cannot happen: a computed cell has a published source; hide everything to be safe
            hidden = set(shown_cells)
            break
        hidden.add(pick)
        protected.add(pick)
    else:  # pragma: no cover - every round hides one more cell, so this ends
        hidden = set(shown_cells)
    return Protection(values=values, published=shown_cells, hidden=frozenset(hidden))


def _breaker(
    leak: Key,
    *,
    values: Mapping[Key, int],
    hidden: set[Key],
    shown: frozenset[Key],
    relations: Sequence[Relation],
    protected: set[Key],
    rank: Callable[[Key], Any],
) -> Key | None:
    """The published cell near ``leak`` (in its relations, or one relation further) whose hiding
    leaves ``leak`` undetermined; the lowest ranked such cell, else the lowest ranked nearby cell."""
    near = [r for r in relations if leak in r.cells]
    reach = {cell for r in near for cell in r.cells}
    near += [r for r in relations if r not in near and reach.intersection(r.cells)]
    options = sorted({cell for r in near for cell in r.cells if cell in shown and cell not in hidden}, key=rank)
    for pick in options:
        known = set(shown - hidden - {pick})
        derived = _derive(known, relations)
        guarded = protected | {pick}
        if (
            leak not in derived
            and leak not in _determined(known, relations, guarded)
            and leak not in _bounded(values, known, relations, guarded)
        ):
            return pick
    return options[0] if options else None


def _bounded(
    values: Mapping[Key, int], known: set[Key], relations: Sequence[Relation], protected: set[Key]
) -> list[Key]:
    """The protected cells pinned to one value by bounds: no count is negative, so in
    ``total = sum(parts)`` every part lies between ``total - (the others' highest)`` and ``total -
    (the others' lowest)`` (interval propagation until nothing changes)."""
    infinity = float("inf")
    low: dict[Key, float] = {}
    high: dict[Key, float] = {}
    for relation in relations:
        for cell in relation.cells:
            low[cell] = values.get(cell, 0) if cell in known else 0
            high[cell] = values.get(cell, 0) if cell in known else infinity
    for _pass in range(100):
        changed = False
        for relation in relations:
            parts, total = relation.parts, relation.total
            parts_low = sum(low[p] for p in parts)
            parts_high = sum(high[p] for p in parts)
            if parts_low > low[total]:
                low[total], changed = parts_low, True
            if parts_high < high[total]:
                high[total], changed = parts_high, True
            for part in parts:
                others_low = sum(low[p] for p in parts if p != part)
                others_high = sum(high[p] for p in parts if p != part)
                ceiling = high[total] - others_low
                floor = low[total] - others_high
                if ceiling < high[part]:
                    high[part], changed = ceiling, True
                if floor > low[part]:
                    low[part], changed = floor, True
        if not changed:
            break
    return [cell for cell in protected if cell in low and cell not in known and low[cell] == high[cell]]


#: A prime for the elimination: exact rank over the integers mod a 61-bit prime equals the rank over
#: the rationals for these matrices of small integers (far faster than ``fractions.Fraction``).
_PRIME = 2**61 - 1


def _determined(known: set[Key], relations: Sequence[Relation], protected: set[Key]) -> list[Key]:
    """The protected cells that all relations together determine, given the known cells: a cell is
    determined when, after Gauss-Jordan elimination of the relations on the unknown cells, a row
    holds it alone. Sparse rows; a few hundred cells."""
    unknown = sorted({cell for r in relations for cell in r.cells if cell not in known}, key=repr)
    index = {cell: position for position, cell in enumerate(unknown)}
    pivots: dict[int, dict[int, int]] = {}
    for relation in relations:
        row: dict[int, int] = {}
        for cell, sign in ((relation.total, -1), *((part, 1) for part in relation.parts)):
            if cell in index:
                row[index[cell]] = (row.get(index[cell], 0) + sign) % _PRIME
        row = {column: value for column, value in row.items() if value}
        # pivot rows hold no other pivot's column, so one pass over the row's pivot columns clears them
        for column in [c for c in row if c in pivots]:
            factor = row[column]
            for c, v in pivots[column].items():
                row[c] = (row.get(c, 0) - factor * v) % _PRIME
        row = {c: v for c, v in row.items() if v}
        if not row:
            continue
        column = min(row)
        inverse = pow(row[column], _PRIME - 2, _PRIME)
        row = {c: v * inverse % _PRIME for c, v in row.items()}
        for other in pivots.values():
            multiple = other.get(column)
            if multiple:
                for c, v in row.items():
                    other[c] = (other.get(c, 0) - multiple * v) % _PRIME
                for c in [c for c, v in other.items() if not v]:
                    del other[c]
        pivots[column] = row
    return [unknown[column] for column, row in pivots.items() if len(row) == 1 and unknown[column] in protected]
