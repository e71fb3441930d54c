"""CloudWatch Logs Insights for the sandbox: the query language parsed, checked and run over stored events.

    query = parse_query("filter @message like /ERROR/ | stats count(*) by bin(5m)")
    output = execute(query, events, start_ms=start, end_ms=end)

`parse_query` raises `MalformedQueryError` (AWS's MalformedQueryException)
with the line, column and character span of the problem. `execute` returns
the rows as GetQueryResults shapes them, and the query statistics.
`record_pointer`/`parse_record_pointer` map an event to its `@ptr` and back,
and `log_record` gives an event's fields as GetLogRecord does.
"""

from .ast import Query
from .discovery import log_record, parse_record_pointer, record_pointer
from .errors import MalformedQueryError
from .execute import DEFAULT_ROW_LIMIT, QueryOutput, execute
from .parser import parse_query

__all__ = [
    "DEFAULT_ROW_LIMIT",
    "MalformedQueryError",
    "Query",
    "QueryOutput",
    "execute",
    "log_record",
    "parse_query",
    "parse_record_pointer",
    "record_pointer",
]
