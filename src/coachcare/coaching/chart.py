"""A GBO line chart as plain numbers for a server-rendered SVG (attributes only, no style, no script)."""

import dataclasses

WIDTH = 320
HEIGHT = 200
LEFT = 36
RIGHT = 16
TOP = 16
BOTTOM = 44
GBO_MAX = 10


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChartPoint:
    label: str
    value: int
    x: float
    y: float


@dataclasses.dataclass(frozen=True, kw_only=True)
class GridLine:
    value: int
    y: float


@dataclasses.dataclass(frozen=True, kw_only=True)
class LineChart:
    width: int
    height: int
    left: int
    right: float
    bottom: float
    points: list[ChartPoint]
    grid: list[GridLine]

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)


def _y(value: int) -> float:
    plot_height = HEIGHT - TOP - BOTTOM
    return TOP + plot_height * (1 - value / GBO_MAX)


def gbo_chart(values: list[tuple[str, int]]) -> LineChart:
    """Points for (label, GBO 0..10) pairs in time order, spread evenly over the width."""
    plot_width = WIDTH - LEFT - RIGHT
    count = len(values)
    points = []
    for index, (label, value) in enumerate(values):
        x = LEFT + (plot_width * index / (count - 1) if count > 1 else plot_width / 2)
        points.append(ChartPoint(label=label, value=value, x=round(x, 1), y=round(_y(value), 1)))
    grid = [GridLine(value=value, y=round(_y(value), 1)) for value in (0, 2, 4, 6, 8, 10)]
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        bottom=round(_y(0), 1),
        points=points,
        grid=grid,
    )
