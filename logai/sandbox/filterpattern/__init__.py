"""CloudWatch Logs filter patterns, as FilterLogEvents, metric and subscription filters read them.

    pattern = compile_pattern('{ $.level = "ERROR" && $.latency > 500 }')
    pattern.matches('{"level": "ERROR", "latency": 750}')   # True

Pure text in, bool out: no I/O. The rules, and the choices made where the AWS
documentation is silent, are written beside the code of each pattern kind.
"""

from .compiler import compile_pattern
from .errors import FilterPatternError
from .pattern import FilterPattern

__all__ = ["FilterPattern", "FilterPatternError", "compile_pattern"]
