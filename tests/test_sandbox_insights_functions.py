"""Every scalar function the docs list, one table row each: the expression, the JSON fields of the
event it runs on, and the value GetQueryResults would print (None: the field is left out).

Where the docs give an example's result (`ltrim("xyZxyfooxyZ","xyZ")` is `"fooxyZ"`), that is
the expected value; elsewhere it is computed here with Python's own functions.
"""

from __future__ import annotations

import base64
import json
import math
import re
import urllib.parse
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from logai.sandbox.insights.functions import FUNCTIONS
from logai.sandbox.records import StoredEvent
from tests.test_sandbox_insights_events import APP_GROUP, BASE_MS, run, stamp, table

AT = BASE_MS + 123_456
NOW_MS = BASE_MS + 3_600_000


def evaluate(expression: str, fields: dict[str, Any]) -> str | None:
    event = StoredEvent(AT, json.dumps(fields), APP_GROUP, "web-1", AT + 5, "1")
    (row,) = table(run(f"fields {expression} as r", [event], start_ms=BASE_MS, end_ms=NOW_MS, now_ms=NOW_MS))
    return row.get("r")


def whole(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))


DOC = {"user": {"name": "ann", "id": 7}, "users": [{"action": "GetData"}, {"action": "PutData"}], "user.id": "123"}
EPOCH = datetime(2026, 11, 27, tzinfo=UTC)

CASES: list[tuple[str, dict[str, Any], str | None]] = [
    # string functions
    ("strlen(s)", {"s": "héllo wörld"}, str(len("héllo wörld"))),
    ("toupper(s)", {"s": "MiXed"}, "MiXed".upper()),
    ("tolower(s)", {"s": "MiXed"}, "MiXed".lower()),
    ("concat(Operation, '-', StatusCode)", {"Operation": "PutItem", "StatusCode": 200}, "PutItem-200"),
    ("concat(a, missing, b)", {"a": "x", "b": "y"}, "xy"),
    ('ltrim("xyZxyfooxyZ","xyZ")', {}, "fooxyZ"),
    ('rtrim("xyZfooxyxyZ","xyZ")', {}, "xyZfoo"),
    ('trim("xyZxyfooxyxyZ","xyZ")', {}, "foo"),
    ("ltrim(s)", {"s": "  padded  "}, "  padded  ".lstrip()),
    ("rtrim(s)", {"s": "  padded  "}, "  padded  ".rstrip()),
    ("trim(s)", {"s": "  padded  "}, "padded"),
    ('substr("xyZfooxyZ",3, 3)', {}, "foo"),
    ('substr("xyZfooxyZ",3)', {}, "fooxyZ"),
    ('replace("foo","o","0")', {}, "f00"),
    ("replace(logGroup, 'smoke_test', 'Smoke')", {"logGroup": "/aws/smoke_test/x"}, "/aws/Smoke/x"),
    ('regexReplace(s, "(\\\\d+)-(\\\\d+)", "$2:$1")', {"s": "ids 12-34 and 5-6"},
     re.sub(r"(\d+)-(\d+)", r"\2:\1", "ids 12-34 and 5-6")),
    ('strcontains(s, "ell")', {"s": "Hello"}, "1"),
    ('strcontains(s, "ELL")', {"s": "Hello"}, "0"),
    ('strcontains(s, "ELL", true)', {"s": "Hello"}, "1"),
    ('startsWith(s, "He")', {"s": "Hello"}, "1"),
    ('endsWith(s, "He")', {"s": "Hello"}, "0"),
    ("urlencode(s)", {"s": "a b&c=d/é"}, urllib.parse.quote_plus("a b&c=d/é")),
    ("urldecode(s)", {"s": "a+b%26c"}, "a b&c"),
    ("base64encode(s)", {"s": "héllo"}, base64.b64encode("héllo".encode()).decode()),
    ("base64decode(s)", {"s": base64.b64encode(b"hello").decode()}, "hello"),
    ("base64decode(s)", {"s": "not base64!"}, None),
    ('split(s, ",")', {"s": "a,b,c"}, json.dumps("a,b,c".split(","), separators=(",", ":"))),
    ('hexToAscii("48656c6c6f")', {}, "Hello"),
    ('hexToDec("0xff")', {}, "255"),
    ("decToHex(255)", {}, "0xff"),
    ("decToHex(-255)", {}, "-0xff"),
    ("decToHex(12.9)", {}, "0xc"),
    ("isempty(s)", {"s": ""}, "1"),
    ("isblank(s)", {"s": " \t"}, "1"),
    # numeric functions and operators
    ("abs(n)", {"n": -3.5}, "3.5"),
    ("ceil(n)", {"n": 2.1}, "3"),
    ("floor(n)", {"n": 2.9}, "2"),
    ("greatest(a, b, 3)", {"a": 1, "b": 7}, "7"),
    ("least(a, b, 3)", {"a": 1, "b": 7}, "1"),
    ("log(n)", {"n": 10}, whole(math.log(10))),
    ("log(n)", {"n": 0}, None),
    ("sqrt(n)", {"n": 16}, "4"),
    ("sqrt(n)", {"n": -1}, None),
    ("round(n)", {"n": 2.5}, "3"),
    ("round(n, 2)", {"n": 2.567}, "2.57"),
    ("haversine(48.8566, 2.3522, 51.5074, -0.1278)", {}, whole(haversine(48.8566, 2.3522, 51.5074, -0.1278))),
    ("toNumber(s)", {"s": "12.5"}, "12.5"),
    ("toInt(s)", {"s": "12.9"}, "12"),
    ("toInt(s)", {"s": "3000000000"}, None),
    ("toLong(s)", {"s": "3000000000"}, "3000000000"),
    ("toDouble(s)", {"s": "0.25"}, "0.25"),
    ("2 ^ 3", {}, "8"),
    ("10 % 3", {}, "1"),
    ("-7 % 3", {}, str(int(math.fmod(-7, 3)))),
    ("n / 0", {"n": 4}, None),
    ("n + missing", {"n": 4}, None),
    ("n * 2", {"n": "21"}, "42"),
    # datetime functions
    ("datefloor(@timestamp, 1h)", {}, stamp(AT - AT % 3_600_000)),
    ("dateceil(@timestamp, 1h)", {}, stamp(AT - AT % 3_600_000 + 3_600_000)),
    ("bin(1m)", {}, stamp(AT - AT % 60_000)),
    ("fromMillis(1642195111000)", {}, stamp(1642195111000)),
    ('toMillis("2022-01-14T13:18:31.000-08:00")', {}, "1642195111000"),
    ("toMillis(@timestamp)", {}, str(AT)),
    ("now()", {}, str(NOW_MS // 1000)),
    ('parseDate(d, "yyyy-MM-dd", "UTC")', {"d": "2026-11-27"}, str(int(EPOCH.timestamp() * 1000))),
    ('parseDate(d, "dd/MM/yyyy HH:mm", "Europe/Paris")', {"d": "27/11/2026 14:05"},
     str(int(datetime(2026, 11, 27, 14, 5, tzinfo=ZoneInfo("Europe/Paris")).timestamp() * 1000))),
    ('parseDate(d, "yyyy-MM-dd\'T\'HH:mm:ss.SSSX")', {"d": "2026-11-27T14:05:00.250Z"},
     str(int(EPOCH.timestamp() * 1000) + (14 * 3600 + 5 * 60) * 1000 + 250)),
    ('formatDate(@timestamp, "%Y-%m-%d %H:%M", "UTC")', {}, datetime.fromtimestamp(AT / 1000, UTC).strftime("%Y-%m-%d %H:%M")),
    ('strftime(@timestamp, "%H", "Asia/Tokyo")', {}, datetime.fromtimestamp(AT / 1000, ZoneInfo("Asia/Tokyo")).strftime("%H")),
    # general functions
    ("ispresent(a)", {"a": 0}, "1"),
    ("ispresent(missing)", {}, "0"),
    ("coalesce(missing, b, c)", {"b": "second", "c": "third"}, "second"),
    ('case(status >= 500, "server", status >= 400, "client", "ok")', {"status": 404}, "client"),
    ('case(status >= 500, "server", status >= 400, "client", "ok")', {"status": 200}, "ok"),
    ('case(status >= 500, "server")', {"status": 200}, None),
    ('if(latency > 100, "slow", "fast")', {"latency": 250}, "slow"),
    ("isNumeric(s)", {"s": "-12.5"}, "1"),
    ("isNumeric(s)", {"s": "12a"}, "0"),
    ("messageSize(s)", {"s": "héllo"}, str(len("héllo".encode()))),
    ("queryStartTime()", {}, str(BASE_MS)),
    ("queryEndTime()", {}, str(NOW_MS)),
    ("queryTimeRange()", {}, str(NOW_MS - BASE_MS)),
    # JSON functions and structure types
    ("jsonStringify(jsonParse(raw))", {"raw": '{"a": [1, 2], "b": "c"}'}, '{"a":[1,2],"b":"c"}'),
    ("jsonParse(raw)", {"raw": "not json"}, None),
    ("jsonArraySize(raw)", {"raw": '["a", "b", "c"]'}, "3"),
    ('jsonArrayContains(raw, "admin")', {"raw": '["reader", "admin"]'}, "1"),
    ('jsonArrayContains(raw, "Admin")', {"raw": '["reader", "admin"]'}, "0"),
    ('jsonArrayContains(raw, "admin")', {"raw": "{}"}, "0"),
    # IP address functions
    ("isValidIp(ip)", {"ip": "10.255.255.255"}, "1"),
    ("isValidIp(ip)", {"ip": "127.0.500.1"}, "0"),
    ("isValidIpV4(ip)", {"ip": "2001:db8::1"}, "0"),
    ("isValidIpV6(ip)", {"ip": "2001:db8::1"}, "1"),
    ('isIpInSubnet(ip, "192.0.2.0/24")', {"ip": "192.0.2.77"}, "1"),
    ('isIpInSubnet(ip, "2001:db8::/32")', {"ip": "2001:db8:5::1"}, "1"),
    ('isIpv4InSubnet(ip, "192.0.2.0/24")', {"ip": "192.0.3.1"}, "0"),
    ('isIpv6InSubnet(ip, "2001:db8::/32")', {"ip": "192.0.2.1"}, "0"),
    ("ipv4ToNumber(ip)", {"ip": "192.168.0.1"}, "3232235521"),
    ("isPrivateIP(ip)", {"ip": "172.20.1.1"}, "1"),
    ("isPrivateIP(ip)", {"ip": "8.8.8.8"}, "0"),
    ("isPublicIP(ip)", {"ip": "8.8.8.8"}, "1"),
    ("isReservedIP(ip)", {"ip": "127.0.0.1"}, "1"),
    ("isReservedIP(ip)", {"ip": "10.0.0.1"}, "0"),
]


@pytest.mark.parametrize(("expression", "fields", "expected"), CASES, ids=[c[0] for c in CASES])
def test_function(expression: str, fields: dict[str, Any], expected: str | None) -> None:
    assert evaluate(expression, fields) == expected


def test_every_function_in_the_table_is_tested() -> None:
    tested = {name.lower() for expression, _, _ in CASES for name in re.findall(r"([A-Za-z_]\w*)\(", expression)}
    assert set(FUNCTIONS) <= tested


def test_structure_access_on_parsed_json() -> None:
    event = StoredEvent(AT, json.dumps(DOC), APP_GROUP, "web-1", AT, "1")
    output = run(
        "fields jsonParse(@message) as json_message | filter json_message.users[1].action = \"PutData\" "
        "| display json_message.user.name as name, json_message.`user.id` as id, json_message.users[0].action as first",
        [event],
        end_ms=NOW_MS,
    )
    assert table(output) == [{"name": "ann", "id": "123", "first": "GetData"}]


def test_maps_and_lists_are_absent_for_string_functions_and_unequal_to_anything() -> None:
    event = StoredEvent(AT, json.dumps(DOC), APP_GROUP, "web-1", AT, "1")
    output = run("fields jsonParse(@message) as j | display toupper(j) as upper, j = 1 as equal", [event], end_ms=NOW_MS)
    assert table(output) == [{"equal": "0"}]
