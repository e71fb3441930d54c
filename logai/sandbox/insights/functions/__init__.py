"""The scalar functions of Logs Insights, one table entry each, looked up case-insensitively.

Adding a function is one `Function(...)` line in the module of its family.
Functions the docs list but the sandbox does not run are named in
`UNSUPPORTED`, so a query using them fails with a clear message instead of
"unknown function".
"""

from __future__ import annotations

from . import datetimes, general, network, numbers, strings
from .base import Function, QueryContext

FUNCTIONS: dict[str, Function] = {
    function.name.lower(): function
    for family in (strings, numbers, datetimes, general, network)
    for function in family.FUNCTIONS
}

# Documented, but out of the sandbox's scope: time-series functions need bin
# offsets and rates over windows, `unmask` needs data-protection policies.
UNSUPPORTED = frozenset({"rate", "count_over_time", "sum_over_time", "histogram", "unmask"})

__all__ = ["FUNCTIONS", "UNSUPPORTED", "Function", "QueryContext"]
