"""Parsing Logs Insights queries: the docs' own queries parse, and bad ones fail where AWS would,
with the line and column of the problem."""

from __future__ import annotations

import pytest

from logai.sandbox.insights import MalformedQueryError, ast, parse_query

# Every query the docs show on the command, function and sample-query pages (lightly trimmed).
DOCUMENTED_QUERIES = [
    "fields `foo-bar`, action, abs(f3-f4)",
    "fields concat(Operation, '-', StatusCode) as opStatus",
    "fields f1, f2, f3 | filter (duration>2000)",
    "filter (duration>2000)",
    "fields f1, f2 | filter (f1=10 or f3>25)",
    r"fields f1 | filter statusCode like /2\d\d/",
    "fields @timestamp, @message | filter statusCode in [300,400,500]",
    'fields @timestamp, @message | filter Type not in ["foo","bar",1]',
    "stats avg (f1) by f2",
    "fields f1, f2, f3 | sort f1 desc",
    "sort @timestamp desc | limit 25 | display f1, f2",
    'fields @message | parse @message "[*] *" as loggingType, loggingMessage | filter loggingType = "ERROR" | display loggingMessage',
    'parse @message "[*] * The error was: *" as level, config, exception',
    r"parse @message /\[(?<level>\S+)\]\s+(?<config>\{.*\})\s+The error was: (?<exception>\S+)/",
    "parse @message /user=(?<user2>.*?), method:(?<method2>.*?), latency := (?<latency2>.*?)/ | stats avg(latency2) by method2, user2",
    "fields f1, f2, f3 | filter f1 =~ /^(?i)Exception$/",
    'fields f1, f2, f3 | filter f1 not like "Exception"',
    "fields abs(myField) as AbsoluteValuemyField, myField2",
    "stats avg(f1) as myAvgF1 | sort myAvgF1 desc",
    "fields @timestamp, @message\n    # | filter @message like /delay/\n    | limit 20",
    "stats count(*) by queryType, bin(1h)",
    "stats avg(myfield1), min(myfield2), max(myfield3) by bin(5m)",
    "FIELDS strlen(@message) AS message_length\n| STATS sum(message_length)/1024/1024 as logs_mb BY bin(5m)\n"
    "| STATS max(logs_mb) AS peak_ingest_mb,\n        min(logs_mb) AS min_ingest_mb,\n        avg(logs_mb) AS avg_ingest_mb",
    "STATS count_distinct(client_ip) AS session_ips,\n      count(*) AS requests BY session_id, client_platform\n"
    "| FILTER session_ips > 1\n| STATS count(*) AS multiple_ip_sessions,\n        sum(requests) / count(*) AS avg_session_requests BY client_platform",
    "FIELDS strlen(@message) AS message_length\n| STATS sum(message_length) / 1024 / 1024 AS logs_mb BY BIN(5m) as @t\n"
    "| STATS max(logs_mb) AS peak_ingest_mb BY dateceil(@t, 10m)",
    "FIELDS strlen(@message) AS message_length\n | STATS sum(message_length) AS ingested_bytes, max(@timestamp) as @t BY @logStream\n"
    " | STATS avg(ingested_bytes) BY dateceil(@t, 5m)",
    "fields @timestamp, server, severity, message | sort @timestamp desc | dedup server, severity",
    'filter @type = "REPORT" | stats max(@memorySize / 1000 / 1000) as provisonedMemoryMB,\n'
    "    min(@maxMemoryUsed / 1000 / 1000) as smallestMemoryRequestMB,\n    avg(@maxMemoryUsed / 1000 / 1000) as avgMemoryUsedMB,\n"
    "    max(@maxMemoryUsed / 1000 / 1000) as maxMemoryUsedMB,\n    provisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB",
    'fields @timestamp, @requestId, @message, @logStream | filter @type = "REPORT" and @duration > 1000 | sort @timestamp desc | dedup @requestId | limit 20',
    "stats sum(packets) as packetsTransferred by srcAddr, dstAddr | sort packetsTransferred desc | limit 15",
    'filter isIpv4InSubnet(srcAddr, "192.0.2.0/24") | stats sum(bytes) as bytesTransferred by dstAddr | sort bytesTransferred desc | limit 15',
    'filter logStatus="SKIPDATA" | stats count(*) by bin(1h) as t | sort t',
    "filter @message like /ERROR/ | pattern @message",
    "filter @message like /ERROR/ | parse @message 'Failed to do: *' as cause | pattern cause | sort @sampleCount asc",
    'parse @message "Status Code: *;" as statusCode | filter statusCode >= 400 and statusCode <= 499 '
    "| filter toMillis(@timestamp) >= (now() * 1000 - 7200000)",
    "fields @timestamp, @message | filter @message like /(?i)(error|failure)/ | filter toMillis(@timestamp) >= (now() * 1000 - 18000000)",
    "fields jsonParse(@message) as json_message | filter json_message.users[1].action = \"PutData\"",
    "fields jsonParse(@message) as json_message | filter json_message.`user.id` = \"123\"",
    "parse @logStream \"*/*/*/*\" as env, service, instance, shard | stats count(*) by env, service",
    'parse @message "url=*" as url | parse url "/api/*/users/*" as apiVersion, userId | display apiVersion, userId',
    "fields @message | limit any 1",
    "fields @timestamp, @message | filter requestParameters.instancesSet.items.0.instanceId=\"i-abcde123\" | sort @timestamp desc",
]


@pytest.mark.parametrize("text", DOCUMENTED_QUERIES)
def test_documented_queries_parse(text: str) -> None:
    query = parse_query(text)
    assert query.text == text and query.commands


def test_a_query_becomes_typed_commands() -> None:
    query = parse_query('filter status >= 500 and @message like /(?i)timeout/ | stats count(*) as n by bin(5m) | sort n asc')
    filter_, stats, sort = query.commands
    assert isinstance(filter_, ast.Filter) and isinstance(filter_.condition, ast.Binary)
    assert filter_.condition.op == "and"
    assert isinstance(filter_.condition.right, ast.Like) and filter_.condition.right.pattern.start > 0
    assert isinstance(stats, ast.Stats)
    assert [item.name for item in stats.items] == ["n"]
    assert [item.name for item in stats.by] == ["bin(5m)"]
    assert isinstance(sort, ast.Sort) and sort.keys[0].descending is False


def test_operator_precedence() -> None:
    (command,) = parse_query("fields 1 + 2 * 3 ^ 2 - -4 as x").commands
    assert isinstance(command, ast.Fields)
    expr = command.items[0].expr
    # ((1 + (2 * (3 ^ 2))) - (-4))
    assert isinstance(expr, ast.Binary) and expr.op == "-"
    assert isinstance(expr.left, ast.Binary) and expr.left.op == "+"
    assert isinstance(expr.left.right, ast.Binary) and expr.left.right.op == "*"
    assert isinstance(expr.left.right.right, ast.Binary) and expr.left.right.right.op == "^"
    assert isinstance(expr.right, ast.Literal) and expr.right.value == -4


def test_keywords_and_function_names_are_case_insensitive() -> None:
    lower = parse_query("filter a = 1 and b like 'x' | stats count(*) as n by bin(1h) | sort n asc")
    upper = parse_query("FILTER a = 1 AND b LIKE 'x' | STATS COUNT(*) AS n BY BIN(1h) | SORT n ASC")
    assert [type(command) for command in lower.commands] == [type(command) for command in upper.commands]
    stats = upper.commands[1]
    assert isinstance(stats, ast.Stats) and isinstance(stats.items[0].expr, ast.Call)
    assert stats.items[0].expr.name == "count"


def test_division_and_regex_are_told_apart() -> None:
    (fields,) = parse_query("fields a / b / 2 as r").commands
    assert isinstance(fields, ast.Fields) and isinstance(fields.items[0].expr, ast.Binary)
    (parse,) = parse_query(r"parse @message /id=(?<id>\d+)/").commands
    assert isinstance(parse, ast.Parse) and parse.names == ("id",)


def test_backticks_take_any_field_name() -> None:
    (fields,) = parse_query("fields `foo-bar`, `detail-type` as kind, `a b`").commands
    assert isinstance(fields, ast.Fields)
    assert [item.name for item in fields.items] == ["foo-bar", "kind", "a b"]


def test_comments_run_to_the_end_of_the_line() -> None:
    query = parse_query("fields @message # which field\n# | filter x = 1\n| limit 3 # enough")
    assert [type(command) for command in query.commands] == [ast.Fields, ast.Limit]


ERRORS = [
    # (query, part of the message, line, column)
    ("", "the query is empty", 1, 1),
    ("fields @message |", "unexpected symbol found end of query", 1, 18),
    ("fields @message | frobnicate x", "unknown command 'frobnicate'", 1, 19),
    ("filter x = 1 |\n  | limit 3", "unexpected symbol found '|'", 2, 3),
    ("fields @timestamp, custom_field | count()", "unknown command 'count'", 1, 35),
    ("fields a,\n  b +", "unexpected symbol found end of query", 2, 6),
    ("filter x = 'open", "unterminated string", 1, 12),
    ("filter @message like /abc", "unterminated regular expression", 1, 22),
    ("filter @message like /a(b/", "invalid regular expression", 1, 22),
    ("fields `foo", "unterminated backtick field name", 1, 8),
    ("filter x = 1 ; limit 2", "unexpected symbol found ';'", 1, 14),
    ("fields frob(x)", "unknown function 'frob'", 1, 8),
    ("stats rate(x, 5m)", "the function rate is not supported by the logai sandbox", 1, 7),
    ("filter @message like /x/ | diff", "the diff command", 1, 28),
    ("filter @message like /x/ | anomaly", "the anomaly command", 1, 28),
    ("fields substr(@message)", "substr() takes 2 to 3 arguments, got 1", 1, 8),
    ("fields strlen(a, b)", "strlen() takes 1 arguments, got 2", 1, 8),
    ("stats count(*) by bin(@timestamp)", "argument 1 of bin() must be a time period", 1, 23),
    ("stats count(*) by bin(5parsecs)", "invalid time period '5parsecs'", 1, 23),
    ("fields 5m as x", "a time period is only valid", 1, 8),
    ("filter count(*) > 2", "count() is only valid in stats", 1, 8),
    ("fields sum(x)", "sum() is only valid in stats", 1, 8),
    ("stats sum(max(x))", "max() cannot be inside another one", 1, 11),
    ("stats x by y", "x must be inside an aggregate function", 1, 7),
    ("stats sum(*)", "'*' is only valid in count(*)", 1, 11),
    ("stats pct(x, y)", "the second argument of pct() must be a number", 1, 14),
    ("stats count(*) as a | stats count(*) as b | stats count(*) as c", "at most two stats commands", 1, 45),
    ("stats count(*) as a by x | sort a | stats sum(a)", "sort and limit must come after the second stats", 1, 37),
    ("fields @message\n| STATS SUM(Fault) by Operation\n| STATS MAX(strlen(@message)) AS MaxMessageSize",
     "invalid reference to @message", 3, 20),
    ("fields strlen(@message) as n | stats sum(n) as b by @logStream | stats avg(b) by bin(5m)",
     "invalid reference to @timestamp", 1, 82),
    ("stats count(*) by x | filter @message like /a/", "invalid reference to @message", 1, 30),
    ("sort @timestamp desc | dedup server | sort server", "only limit can follow dedup", 1, 39),
    ("stats count(*) as n | pattern @message", "pattern works on log events", 1, 23),
    ("fields a as x | fields b as x", "the field 'x' is already defined", 1, 24),
    ('parse @message "* *" as a, b | fields c as a', "the field 'a' is already defined", 1, 39),
    ('parse @message "* *" as a', "the glob has 2 '*' but 1 field names", 1, 16),
    ("parse @message /no groups/", "no named capturing group", 1, 16),
    ('parse @message logfmt as lf', "parse logfmt is not supported", 1, 16),
    ("limit 0", "limit must be a whole number from 1 to 100000", 1, 7),
    ("limit 100001", "limit must be a whole number from 1 to 100000", 1, 7),
    ("filter a like 5", 'expected a "string" or a /regex/', 1, 15),
    ("filter a in (1, 2)", "expected '[' and a list of values", 1, 13),
    ("stats count(*) as n, sum(x) as n", "names 'n' twice", 1, 1),
]


@pytest.mark.parametrize(("text", "message", "line", "column"), ERRORS)
def test_malformed_queries_fail_with_a_position(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(MalformedQueryError) as caught:
        parse_query(text)
    error = caught.value
    assert message in error.message
    assert (error.line, error.column) == (line, column)
    assert str(error) == f"{error.message} at line {line} and position {column}"
    offset = sum(len(part) + 1 for part in text.split("\n")[: line - 1]) + column - 1
    assert error.start == offset and error.end >= error.start


def test_the_error_span_covers_the_offending_text() -> None:
    with pytest.raises(MalformedQueryError) as caught:
        parse_query("fields a | filter frob(x, y) > 1")
    assert "fields a | filter frob(x, y) > 1"[caught.value.start : caught.value.end] == "frob"


def test_malformed_query_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_query("fields")
