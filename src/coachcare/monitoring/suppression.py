"""Moved to the kernel: ``coachcare.core.suppression`` (issue 15: ``clients`` counts per age band
need the rule and must not reach up into ``monitoring``).

This name stays only for ``coachcare.api.selectors.aggregates``, which is being reworked in
parallel (issue 15 item 6); once that imports ``coachcare.core.suppression``, delete this module.
"""

from coachcare.core.suppression import COUNT_BELOW as COUNT_BELOW
from coachcare.core.suppression import count_shown as count_shown
