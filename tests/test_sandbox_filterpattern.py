"""Filter patterns: tables of (pattern, message, matches) from AWS's own examples, and invalid patterns.

Sources, cited per table: the user guide's "Filter pattern syntax for metric
filters, subscription filters, filter log events, and Live Tail" (its regex,
unstructured, JSON and space-delimited sections), the older revision of that
page, the metric-filter page, the TestMetricFilter API reference's request and
response examples, and error texts the real service returned as people quoted
them.
"""

from __future__ import annotations

import json

import pytest

from logai.sandbox.filterpattern import FilterPattern, FilterPatternError, compile_pattern

Case = tuple[str, str, bool]


def cases(pattern: str, *outcomes: tuple[str, bool]) -> list[Case]:
    return [(pattern, message, expected) for message, expected in outcomes]


def check(pattern: str, message: str, expected: bool) -> None:
    assert compile_pattern(pattern).matches(message) is expected, (pattern, message)


# --- Unstructured events: terms, phrases, ?optional, -excluded -------------------------------

E400 = "[ERROR 400] BAD REQUEST"
E401 = "[ERROR 401] UNAUTHORIZED REQUEST"
E419 = "[ERROR 419] MISSING ARGUMENTS"
E420 = "[ERROR 420] INVALID ARGUMENTS"

# The current page, "Using filter patterns to match terms in unstructured log events".
UNSTRUCTURED_DOCS: list[Case] = [
    *cases("ERROR", (E400, True), (E401, True), (E419, True), (E420, True)),
    *cases("ERROR ARGUMENTS", (E419, True), (E420, True), (E400, False), (E401, False)),
    *cases("?ERROR ?ARGUMENTS", (E400, True), (E401, True), (E419, True), (E420, True), ("[INFO] OK", False)),
    # "If you combine "?" with other filter patterns, all question mark terms will be ignored."
    *cases(
        "?ERROR ?ARGUMENTS REQUEST",
        ("[INFO] REQUEST FAILED", True),
        ("[WARN] UNAUTHORIZED REQUEST", True),
        ("[ERROR] 400 BAD REQUEST", True),
        (E419, False),
    ),
    *cases(
        '"INTERNAL SERVER ERROR"',
        ("[ERROR 500] INTERNAL SERVER ERROR", True),
        ("[ERROR 500] INTERNAL ERROR SERVER", False),
    ),
    *cases("ERROR -ARGUMENTS", (E400, True), (E401, True), (E419, False), (E420, False)),
    # "Match everything": a quoted blank, and (older page) an empty pair of quotes.
    *cases('" "', (E400, True), ("", True), ("no-spaces", True)),
    *cases('""', (E400, True), ("", True)),
]

ONE_TWO_THREE = ("ERROR WARN message", "ERROR message", "WARN message")

# The older page: substring matching ("ERRORCODE"), `- "term"`, and the OR examples.
UNSTRUCTURED_OLDER_DOCS: list[Case] = [
    *cases("ERROR", ("[ERROR] A fatal exception has occurred", True), ("Exiting with ERRORCODE: -1", True)),
    *cases(
        '"ERROR" - "Exiting"',
        ("[ERROR] A fatal exception has occurred", True),
        ("Exiting with ERRORCODE: -1", False),
    ),
    *cases("ERROR Exception", ("[ERROR] Caught IllegalArgumentException", True), ("[ERROR] Unhandled Exception", True)),
    *cases(
        "Failed to process the request",
        ("[WARN] Failed to process the request", True),
        ("[ERROR] Unable to continue: Failed to process the request", True),
        ("[ERROR] Failed to process", False),
    ),
    *cases("ERROR", *zip(ONE_TWO_THREE, (True, True, False))),
    *cases("?ERROR ?WARN", *zip(ONE_TWO_THREE, (True, True, True))),
    *cases("ERROR WARN", *zip(ONE_TWO_THREE, (True, False, False))),
    *cases("ERROR -WARN", *zip(ONE_TWO_THREE, (False, True, False))),
]

APP = (
    "02 May 2014 00:34:12,525 [INFO] Starting the application",
    "02 May 2014 00:35:14,245 [DEBUG] Database connection established",
    "02 May 2014 00:34:14,663 [INFO] Executing SQL Query",
    "02 May 2014 00:34:16,142 [ERROR] Unhanded exception: InvalidQueryException",
    "02 May 2014 00:34:16,224 [ERROR] Terminating the application",
)

# TestMetricFilter's API reference: requests and the service's responses.
UNSTRUCTURED_API_EXAMPLES: list[Case] = [
    *cases('"[ERROR]"', *zip(APP, (False, False, False, True, True))),
    # "Exception" is found inside "InvalidQueryException": terms are substrings.
    *cases('"[ERROR]" Exception', *zip(APP, (False, False, False, True, False))),
]

# What a published walkthrough observed on the service.
UNSTRUCTURED_OBSERVED: list[Case] = [
    *cases(
        "ERROR",
        ("ERRORNEOUS PROGRAM", True),
        ("error=cannot process ticket", False),
        ("rpc error", False),
        ("Error: entity not found!", False),
        ("NotFoundError", False),
        ("ErRoR", False),
    ),
    *cases('"ERROR][grpc"', ("2025-03-28 [ERROR][grpc] failed", True), ("[ERROR] [grpc]", False)),
    *cases("?BAD ?INVALID", (E400, True), (E420, True), (E401, False), (E419, False)),
    *cases(
        '?"clean up" ?xyz',
        ("map clean up", True),
        ("xyz", True),
        ("xyz will do clean up", True),
        ("abc xy yz xz", False),
        ("map is cleaned up", False),
        (E419, False),
    ),
]

UNSTRUCTURED_DECIDED: list[Case] = [
    # Only exclusions: everything without the term.
    *cases("-DEBUG", ("INFO started", True), ("DEBUG cache warm", False)),
    # `?` terms beside an exclusion are ignored too.
    *cases("?ERROR -WARN", ("INFO started", True), ("WARN disk", False)),
    # A backslash escapes the next character inside quotes.
    *cases('"say \\"hi\\""', ('they say "hi"', True), ("they say hi", False)),
    *cases("404 GET", ("GET /x 404", True), ("GET /x 200", False)),
    *cases("   ", ("anything", True)),
    # A blank phrase is in every event: it satisfies `?`, and `-` of it excludes everything.
    *cases('?" " ?ERROR', ("INFO", True)),
    *cases('-" "', ("INFO", False)),
    *cases("", ("anything", True), ("", True)),
]


@pytest.mark.parametrize(
    ("pattern", "message", "expected"),
    UNSTRUCTURED_DOCS + UNSTRUCTURED_OLDER_DOCS + UNSTRUCTURED_API_EXAMPLES + UNSTRUCTURED_OBSERVED + UNSTRUCTURED_DECIDED,
)
def test_unstructured(pattern: str, message: str, expected: bool) -> None:
    check(pattern, message, expected)


# --- Regular expressions -----------------------------------------------------------------------

# "Supported regular expressions (regex) syntax" and "Using filter patterns to match terms with a regex".
REGEX_DOCS: list[Case] = [
    *cases("%AUTHORIZED%", (E401, True), ("[SUCCESS 200] AUTHORIZED REQUEST", True), (E400, False)),
    *cases("%^[hc]at%", ("hat trick", True), ("cat", True), ("that", False)),
    *cases("%[hc]at$%", ("that", True), ("a cat", True), ("hats", False)),
    *cases("%colou?r%", ("color", True), ("colour", True), ("colr", False)),
    *cases("%[abc]%", ("xbz", True), ("xyz", False)),
    *cases("%[a-z]%", ("A1b", True), ("A1B", False)),
    *cases("%[abcx-z]%", ("y", True), ("w", False)),
    *cases("%a{3,5}%", ("aaa", True), ("aaaaa", True), ("aa", False)),
    # The docs write the bounds as `{m, n}`, and either may be left out.
    *cases("%^a{3, 5}$%", ("aaaa", True), ("aaaaaa", False)),
    *cases("%ba{,2}c%", ("bc", True), ("baac", True), ("baaac", False)),
    *cases("%ba{2,}c%", ("bac", False), ("baaaac", True)),
    *cases("%gra|ey%", ("gray", True), ("grey", True), ("gry", False)),
    *cases(
        "%^starting|^initializing|^shutting down%",
        ("starting server", True),
        ("initializing cache", True),
        ("shutting down", True),
        ("skipping initializing cache", False),
    ),
    *cases("%abcc|ab[^c]$%", ("abcc ok", True), ("aba", True), ("aac", False)),
    *cases(r"%\[.\]%", ("[a]", True), ("[7]", True), ("[@]", True), ("[]]", True), ("[ ]", True), ("[ab]", False)),
    *cases(r"%10\.10\.0\.1%", ("10.10.0.1", True), ("10010,051", False)),
    *cases("%10.10.0.1%", ("10010,051", True)),
    *cases("%ab*c%", ("ac", True), ("abc", True), ("abbbc", True)),
    *cases("%ab[0-9]*%", ("ab", True), ("ab0", True), ("ab129", True)),
    *cases("%ab+c%", ("abc", True), ("abbc", True), ("ac", False)),
    *cases("%.at%", ("hat", True), ("4at", True), ("#at", True), (" at", True), ("at", False)),
    *cases(r"%\d%", ("a7", True), ("ab", False)),
    *cases(r"%\D%", ("12a", True), ("123", False)),
    *cases(r"%\s%", ("a\tb", True), ("a\nb", True), ("ab", False)),
    *cases(r"%\S%", ("  x", True), ("  ", False)),
    *cases(r"%\w%", ("_", True), ("!?", False)),
    *cases(r"%\W%", ("a-b", True), ("abc_123", False)),
    *cases(r"%\x3A%", ("a:b", True), ("ab", False)),
    *cases(r"%\x28%", ("f(x)", True), ("fx", False)),
    *cases(r"%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%", ("from 192.168.0.12 port", True), ("from localhost", False)),
    *cases("%[Ee]rror|[Ff]ail%", ("error: x", True), ("Failed", True), ("ERR", False)),
    # Case-sensitive, and `\w` is `[a-zA-Z_0-9]` as the docs define it, not Unicode letters.
    *cases("%ERROR%", ("error", False)),
    *cases(r"%^\w+$%", ("cafe", True), ("café", False)),
]


@pytest.mark.parametrize(("pattern", "message", "expected"), REGEX_DOCS)
def test_regex(pattern: str, message: str, expected: bool) -> None:
    check(pattern, message, expected)


# --- JSON events -------------------------------------------------------------------------------

EVENT = json.dumps(
    {
        "eventType": "UpdateTrail",
        "sourceIPAddress": "111.111.111.111",
        "arrayKey": ["value", "another value"],
        "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
        "SomeObject": None,
        "cluster.name": "c",
        "ThisFlag": True,
    }
)
COMPOUND = json.dumps(
    {
        "user": {"id": 1, "email": "John.Stiles@example.com"},
        "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
        "actions": ["GET", "PUT", "DELETE"],
        "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
    }
)


def js(value: object) -> str:
    return json.dumps(value)


# "Using filter patterns to match terms in JSON log events", its example event and compound object.
JSON_DOCS: list[Case] = [
    *cases('{ $.eventType = "UpdateTrail" }', (EVENT, True), (js({"eventType": "CreateTrail"}), False)),
    *cases("{ $.sourceIPAddress != 123.123.* }", (EVENT, True), (js({"sourceIPAddress": "123.123.4.5"}), False)),
    # "If arrayKey is not an array this will be false."
    *cases('{ $.arrayKey[0] = "value" }', (EVENT, True), (js({"arrayKey": "value"}), False)),
    *cases("{ $.eventType = %Trail% }", (EVENT, True), (js({"eventType": "UpdateTrial"}), False)),
    *cases("{ $.arrayKey[*] = %val.{2}% }", (EVENT, True), (js({"arrayKey": ["another"]}), False)),
    *cases(
        r"{ $.* = %111\.111\.111\.1[0-9]{1,2}% }",
        (EVENT, True),
        (js({"ip": "111.111.111.200"}), False),
        (js({"nested": {"ip": "111.111.111.111"}}), False),
    ),
    *cases("{ $.['cluster.name'] = \"c\" }", (EVENT, True), (js({"cluster": {"name": "c"}}), False)),
    *cases('{ $.cluster.name = "c" }', (EVENT, False), (js({"cluster": {"name": "c"}}), True)),
    *cases("{ $.SomeObject IS NULL }", (EVENT, True), (js({}), False), (js({"SomeObject": "x"}), False)),
    *cases("{ $.SomeOtherObject NOT EXISTS }", (EVENT, True), (js({"SomeOtherObject": None}), False)),
    *cases(
        '{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }',
        (COMPOUND, True),
        (js({"user": {"id": 2}, "users": [{"email": "John.Doe@example.com"}]}), False),
    ),
    *cases(
        '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" }',
        (COMPOUND, True),
    ),
    *cases(
        '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch" }',
        (COMPOUND, False),
    ),
    *cases('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', (COMPOUND, False)),
    *cases("{ $.bandwidth > 75 }", (js({"bandwidth": 80}), True), (js({"bandwidth": 75}), False)),
    *cases("{ $.latency < 50 }", (js({"latency": 49.5}), True), (js({"latency": 50}), False)),
    *cases("{ $.refreshRate >= 60 }", (js({"refreshRate": 60}), True), (js({"refreshRate": 59}), False)),
    *cases("{ $.responseTime <= 5 }", (js({"responseTime": 5}), True), (js({"responseTime": 6}), False)),
    *cases("{ $.errorCode = 400}", (js({"errorCode": 400}), True), (js({"errorCode": 404}), False)),
    *cases("{ $.errorCode != 500 }", (js({"errorCode": 400}), True), (js({"errorCode": 500}), False)),
    *cases("{ $.number[0] = 1e+3 }", (js({"number": [1000]}), True), (js({"number": [100]}), False)),
    *cases("{ $.number[0] != 1e-3 }", (js({"number": [0.001]}), False), (js({"number": [1]}), True)),
]

# The older page and the metric-filter page.
JSON_OLDER_DOCS: list[Case] = [
    *cases("{ $.objectList[1].id = 2 }", (EVENT, True), (js({"objectList": [{"id": 2}]}), False)),
    *cases("{ $.ThisFlag IS TRUE }", (EVENT, True), (js({"ThisFlag": 1}), False)),
    *cases("{ $.ThisFlag IS FALSE }", (EVENT, False), (js({"ThisFlag": False}), True), (js({"ThisFlag": 0}), False)),
    *cases(
        '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }',
        (COMPOUND, True),
    ),
    *cases("{ $.coordinates[0][1] = 1 }", (COMPOUND, True)),
    *cases("{ $.coordinates[2][2] = 9 }", (COMPOUND, True)),
    *cases("{ $.coordinates[3][0] = 7 }", (COMPOUND, False)),
    *cases("{$.foo = bar}", (js({"foo": "bar"}), True), (js({"foo": "baz"}), False)),
    *cases("{$.foo = baz }", (js({"foo": "bar"}), False), (js({"foo": "baz"}), True)),
    *cases("{$.foo = bar || $.foo = baz }", (js({"foo": "bar"}), True), (js({"foo": "baz"}), True)),
    # "both {$.users = 1} and {$.users != 1} will fail to match a log event where users is an array"
    *cases("{$.users = 1}", (js({"users": [1, 2, 3]}), False)),
    *cases("{$.users != 1}", (js({"users": [1, 2, 3]}), False)),
    *cases("{ $.latency >= 500 }", (js({"latency": 500}), True)),
    *cases("{ $.numbers[0] < 10e3 }", (js({"numbers": [9999]}), True), (js({"numbers": [10000]}), False)),
    *cases("{ $.numbers[0] < 10e-3 }", (js({"numbers": [0.001]}), True)),
    *cases("{ $.processes[4].averageRuntime <= 55.5 }", (js({"processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]}), True)),
    *cases("{ $.latency > +1000 }", (js({"latency": 1001}), True), (js({"latency": 1000}), False)),
    # `*Event` matches PutEvent, `Event*` EventId, and `Ev*ent` "will only match the actual string Ev*ent".
    *cases("{ $.eventName = *Event }", (js({"eventName": "PutEvent"}), True), (js({"eventName": "EventId"}), False)),
    *cases("{ $.eventName = Event* }", (js({"eventName": "EventName"}), True), (js({"eventName": "PutEvent"}), False)),
    *cases("{ $.eventName = Ev*ent }", (js({"eventName": "Event"}), False), (js({"eventName": "Ev*ent"}), True)),
    *cases("{ $.latency = * }", (js({"latency": 50, "requestType": "GET"}), True), (js({"requestType": "GET"}), False)),
    *cases('{ $.eventType = "*" && $.sourceIPAddress != 123.123.* }', (EVENT, True)),
]

JSON_DECIDED: list[Case] = [
    # Only an event that is a JSON object can match; a prefix before the JSON is not skipped.
    *cases(
        '{ $.level = "ERROR" }',
        ("level=ERROR", False),
        ('2024-01-01 {"level": "ERROR"}', False),
        ('  {"level": "ERROR"}', True),
        ('{"level": "ERROR"', False),
        ('[{"level": "ERROR"}]', False),
        # Escapes in the raw text are decoded before comparing.
        ('{"level": "\\u0045RROR"}', True),
        ('{"lev\\u0065l": "ERROR"}', True),
    ),
    *cases('{ $.msg = "a\\"b" }', (js({"msg": 'a"b'}), True)),
    *cases("{ $.size = 1000 }", ('{"size": 1e3}', True)),
    # Ordering compares numbers only; `=` with a number also accepts a string written the same way.
    *cases("{ $.latency > 10 }", (js({"latency": "50"}), False)),
    *cases("{ $.code = 400 }", (js({"code": "400"}), True), (js({"code": "400.0"}), False)),
    *cases("{ $.code = %^4% }", (js({"code": 404}), True), (js({"code": 504}), False)),
    *cases("{ $.eventType != %Trail% }", (EVENT, False), (js({"eventType": "Create"}), True)),
    *cases('{ $.eventType = "updatetrail" }', (EVENT, False)),
    # A comparison, `!=` included, needs the field to be there.
    *cases('{ $.missing != "x" }', (EVENT, False)),
    *cases("{ $.SomeObject is null }", (EVENT, True)),
    *cases("{ $.objectList[*].missing NOT EXISTS }", (EVENT, True)),
    *cases("{ $.objectList[*].id NOT EXISTS }", (EVENT, False)),
    *cases("{ $.objectList[*].id > 1 }", (EVENT, True)),
    *cases('{ $.detail-type = "Scheduled Event" }', (js({"detail-type": "Scheduled Event"}), True)),
    *cases('{ $.a = "x" || $.b = "y" }', (js({"b": "y"}), True), (js({"a": "y", "b": "x"}), False)),
    *cases('{ $.a = "x" && ($.b = 1 || $.c = 2) }', (js({"a": "x", "c": 2}), True), (js({"a": "x", "c": 3}), False)),
]


@pytest.mark.parametrize(("pattern", "message", "expected"), JSON_DOCS + JSON_OLDER_DOCS + JSON_DECIDED)
def test_json(pattern: str, message: str, expected: bool) -> None:
    check(pattern, message, expected)


# --- Space-delimited events --------------------------------------------------------------------

ACCESS = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" {status} {bytes}'
LINES = (
    "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200",
    "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310",
    "WARNING 09/25/2014 12:00:02 Invalid user request",
    "ERROR 09/25/2014 12:00:02 Failed to process request",
)


def access(status: int = 404, size: int = 1534) -> str:
    return ACCESS.format(status=status, bytes=size)


# "Using filter patterns to match terms in space-delimited log events", and the metric-filter page.
DELIMITED_DOCS: list[Case] = [
    *cases(
        r"[ip=%127\.0\.0\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 4*, bytes]",
        (access(), True),
        (access(status=500), False),
        (access().replace("127.0.0.1", "10.0.0.1"), False),
    ),
    *cases("[..., request =*.html*, status_code = 4*, bytes]", (access(), True), (access().replace(".html", ".gif"), False)),
    *cases(
        "[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]",
        (access(404), True),
        (access(410), True),
        (access(500), False),
    ),
    *cases("[ip, server, username, timestamp, request, status_code, bytes > 1000]", (access(), True), (access(size=999), False)),
    *cases("[w1=ERROR, w2]", *zip(LINES, (False, False, False, True))),
    *cases("[w1=ERROR || w1=WARNING, w2]", *zip(LINES, (False, False, True, True))),
    *cases("[w1!=ERROR && w1!=WARNING, w2]", *zip(LINES, (True, True, False, False))),
    # "first word in the events is ERROR or any superstring of WARN"
    *cases("[w1=ERROR || w1=%WARN%, w2]", *zip(LINES, (False, False, True, True))),
    *cases(
        "[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]",
        *zip(LINES, (True, False, False, False)),
    ),
    *cases(
        "[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]",
        *zip(LINES, (False, True, False, False)),
    ),
]

APACHE = (
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355',
)

# The older page's Apache examples.
DELIMITED_OLDER_DOCS: list[Case] = [
    *cases("[ip, user, username, timestamp, request, status_code, bytes]", *zip(APACHE, (True, True, True))),
    *cases("[..., status_code, bytes]", *zip(APACHE, (True, True, True))),
    *cases("[ip, user, ..., status_code, bytes]", *zip(APACHE, (True, True, True))),
    *cases("[ip, user, ...]", *zip(APACHE, (True, True, True))),
    *cases("[ip, user, username, timestamp, request, status_code, bytes > 1000]", *zip(APACHE, (True, True, True))),
    *cases("[ip, user, username, timestamp, request, status_code = 200, bytes]", *zip(APACHE, (True, False, True))),
    *cases("[ip, user, username, timestamp, request, status_code = 4*, bytes]", *zip(APACHE, (False, False, False))),
    *cases("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", *zip(APACHE, (False, False, False))),
    *cases("[ip, user, username, timestamp, request, status_code != 200, bytes]", *zip(APACHE, (False, True, False))),
    *cases(
        "[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]",
        *zip(APACHE, (False, False, False)),
    ),
    # The older page says `[w1=ERROR, w2]` matches only "ERROR message"; the current one (above)
    # matches seven-word lines with it, so the last field takes the rest of the line.
    *cases("[w1=ERROR, w2]", *zip(ONE_TWO_THREE, (True, True, False))),
    *cases("[w1=ERROR || w1=WARN, w2]", *zip(ONE_TWO_THREE, (True, True, True))),
]

TEST_METRIC_FILTER = (
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /about-us/index.html HTTP/1.0" 200 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 404 4355',
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /products/index.html HTTP/1.0" 400 1534',
)
LAMBDA = "2018-07-10T22:34:59.702Z\t78c487eb-8491-11e8-a9be-abc1234241\tblocklist: set()"

DELIMITED_API_AND_OBSERVED: list[Case] = [
    # TestMetricFilter's API reference: events 0 and 3 match (note the trailing empty slot).
    *cases("[..., request=*.html*, status_code=4*,]", *zip(TEST_METRIC_FILTER, (True, False, False, True))),
    # A long-standing subscription-filter default for Lambda lines, and its fix for runtimes that put the level first.
    *cases('[timestamp=*Z, request_id="*-*", event]', (LAMBDA, True), (f"[WARNING]\t{LAMBDA}", False)),
    *cases("[log_level, timestamp = *Z, request_id, event]", (f"[WARNING]\t{LAMBDA}", True)),
]

DELIMITED_DECIDED: list[Case] = [
    # Fewer fields than slots never match; more, and the last slot takes the rest of the line.
    *cases("[a, b, c]", ("x y", False), ("x y z", True), ("x y z w", True)),
    *cases("[a, b=z]", ("x y z", False), ("x z", True)),
    *cases('[a, b="y z"]', ("x y z", True)),
    *cases("[w1=ERROR]", ("ERROR", True), ("ERROR boom", False)),
    *cases("[a, ..., c=z]", ("x y z", True), ("x z", True), ("z", False)),
    *cases("[...]", ("", True), ("anything at all", True)),
    *cases("[a]", ("", False)),
    # Quotes and brackets group a field and are dropped from its value.
    *cases('[a, b="GET /x HTTP/1.1", c]', ('ip "GET /x HTTP/1.1" 200', True)),
    *cases('[a, b="10/Oct*", c]', ("ip [10/Oct/2000 -0700] 200", True)),
    *cases("[a, b > 1000]", ("x 1534", True), ("x abc", False)),
    *cases("[a, b = 200]", ("x 200.0", True), ("x 2000", False)),
    *cases("[a, b < 1e3]", ("x 999", True), ("x 1000", False)),
    *cases("[a, b = OK]", ("x OK", True), ("x ok", False)),
    *cases("[..., level=ERROR, ...]", ("a b ERROR c", True), ("ERROR", True), ("a b c", False)),
    *cases("[level=ERROR, rest]", ("ERROR\tboom", True), ("  ERROR   boom  ", True)),
    *cases("[a,,c=3]", ("1 2 3", True), ("1 2 4", False)),
    *cases("[a, b = %^\\d+$% && b != 500]", ("x 404", True), ("x 500", False), ("x 40a", False)),
]


@pytest.mark.parametrize(
    ("pattern", "message", "expected"),
    DELIMITED_DOCS + DELIMITED_OLDER_DOCS + DELIMITED_API_AND_OBSERVED + DELIMITED_DECIDED,
)
def test_space_delimited(pattern: str, message: str, expected: bool) -> None:
    check(pattern, message, expected)


# --- Invalid patterns --------------------------------------------------------------------------

INVALID = "Invalid filter pattern"


def chars(text: str) -> str:
    return f"Invalid character(s) in term '{text}'"


INVALID_PATTERNS: list[tuple[str, str]] = [
    # Error texts the service returned for these patterns, as people quoted them.
    ("?Status: timeout", chars(":")),
    ('{ $.message = "error-response", $.path = "/authenticate" }', chars(",")),
    ('{ $."sc-status" = 5* }', chars('$."')),
    ("`ERROR", chars("`")),
    ('level\\":\\"error', chars("\\")),
    ("PlayerSpawnedInWorld (reason: JoinMultiplayer", chars("(")),
    (r"%\(x%", chars("(")),
    ("[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]", INVALID),
    # The docs: `%something!%` "would be rejected"; no parentheses; no multi-byte characters.
    ("%something!%", chars("!")),
    ("%(a|b)%", chars("(")),
    ("%é%", chars("é")),
    # Outside the documented regex subset, or not a regex at all.
    (r"%\bword%", INVALID),
    ("%%", INVALID),
    ("%[abc%", INVALID),
    ("%a{x}%", INVALID),
    ("%a**%", INVALID),
    ("%abc", chars("%")),
    # "There is a limit of 2 regex for each filter pattern" (delimited and JSON).
    ("[a=%x%, b=%y%, c=%z%]", INVALID),
    ("{ $.a = %x% || $.b = %y% || $.c = %z% }", INVALID),
    # One wildcard per selector, three per pattern; `IS NOT` and `EXISTS` are unsupported.
    ("{ $.a[*].b[*] = 1 }", INVALID),
    ("{ $.a[*] = 1 || $.b[*] = 1 || $.c[*] = 1 || $.d[*] = 1 }", INVALID),
    ("{ $.a IS NOT NULL }", INVALID),
    ("{ $.a EXISTS }", INVALID),
    # Broken JSON patterns.
    ("{ $.a = 1 ", INVALID),
    ("{ ($.a = 1 }", INVALID),
    ('{ $.a = "x }', INVALID),
    ("{ $.a > abc }", INVALID),
    ("{ $.a > 4* }", INVALID),
    ("{ $.a == 1 }", INVALID),
    ("{ a = 1 }", INVALID),
    ("{ $ = 1 }", INVALID),
    ("{ $.a[x] = 1 }", INVALID),
    ("{ $.a = 1 } ERROR", INVALID),
    ("{ $.a = @x }", chars("@")),
    ("{}", INVALID),
    ("{ $.a. = 1 }", INVALID),
    # Broken space-delimited patterns.
    ("[a, b", INVALID),
    ("[]", INVALID),
    ("[a = ]", INVALID),
    ("[a > abc]", INVALID),
    ("[a, b] x", INVALID),
    ("[...x]", INVALID),
    ("[a, b=10/Oct*, c]", chars("/")),
    # Terms: anything but letters, digits and `_` must be quoted.
    ("ERROR*", chars("*")),
    ("foo-bar", chars("-")),
    ("10.0.0.1", chars(".")),
    ("user@example.com", chars("@")),
    ("$.level", chars("$")),
    ("? ERROR", chars("?")),
    ('"unterminated', INVALID),
    ("-", INVALID),
    ("ERROR -", INVALID),
    ('"a"b', INVALID),
]


@pytest.mark.parametrize(("pattern", "message"), INVALID_PATTERNS)
def test_invalid_pattern_is_refused_with_the_services_message(pattern: str, message: str) -> None:
    with pytest.raises(FilterPatternError) as caught:
        compile_pattern(pattern)
    assert caught.value.message == message
    assert caught.value.code == "InvalidParameterException"


def test_the_error_points_at_the_offending_character() -> None:
    with pytest.raises(FilterPatternError) as caught:
        compile_pattern("ERROR user@example.com")
    assert caught.value.position == "ERROR user@example.com".index("@")


def test_a_pattern_over_1024_characters_is_a_validation_error() -> None:
    assert compile_pattern("a" * 1024).matches("a" * 1024)
    with pytest.raises(FilterPatternError) as caught:
        compile_pattern("a" * 1025)
    assert caught.value.code == "ValidationException"
    assert caught.value.message.endswith("Member must have length less than or equal to 1024")


def test_a_compiled_pattern_is_reused_and_says_what_it_is() -> None:
    pattern = compile_pattern("ERROR -DEBUG")
    assert isinstance(pattern, FilterPattern)
    assert compile_pattern("ERROR -DEBUG") is pattern
    assert pattern.text == "ERROR -DEBUG"
    assert "ERROR -DEBUG" in repr(pattern)
