"""The row commands: fields, display, filter, parse, sort, limit and dedup, run over the seeded
events, each expected result worked out from the same events in plain Python."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from logai.sandbox.insights import parse_record_pointer, record_pointer
from logai.sandbox.records import StoredEvent
from tests.test_sandbox_insights_events import (
    ACCOUNT,
    APP,
    APP_GROUP,
    BASE_MS,
    EVENTS,
    json_of,
    newest_first,
    run,
    stamp,
    table,
)


def pointers(text: str, events: list[StoredEvent] | None = None) -> set[str]:
    return {value for row in run(text, events).rows for name, value in row if name == "@ptr"}


def pointers_of(events: list[StoredEvent]) -> set[str]:
    return {record_pointer(event) for event in events}


# --- fields and display ---------------------------------------------------------------------


def test_fields_lists_events_newest_first_with_aws_timestamps() -> None:
    expected = [{"@timestamp": stamp(event.timestamp_ms), "@message": event.message} for event in newest_first(EVENTS)]
    assert table(run("fields @timestamp, @message")) == expected


def test_every_log_row_ends_with_a_pointer_to_its_event() -> None:
    (row, *_) = run("fields @message").rows
    name, pointer = row[-1]
    newest = newest_first(EVENTS)[0]
    assert name == "@ptr" and parse_record_pointer(pointer) == (newest.log_group, newest.log_stream, newest.event_id)


def test_system_fields() -> None:
    expected = [
        {"@logStream": event.log_stream, "@log": f"{ACCOUNT}:{event.log_group}", "@ingestionTime": stamp(event.ingestion_ms)}
        for event in newest_first(EVENTS)
    ]
    assert table(run("fields @logStream, @log, @ingestionTime")) == expected


def test_fields_computes_aliased_expressions_and_names_the_others_by_their_text() -> None:
    documents = [(event, json_of(event)) for event in newest_first(APP)]
    expected = [
        {"doubled": str(doc["latencyMs"] * 2), "abs(latencyMs - 1000)": str(abs(doc["latencyMs"] - 1000))}
        for _, doc in documents
        if doc is not None
    ]
    output = run("filter ispresent(latencyMs) | fields latencyMs * 2 as doubled, abs(latencyMs - 1000)")
    assert table(output) == expected


def test_fields_commands_add_up_and_absent_fields_are_left_out() -> None:
    rows = table(run("fields retries | fields status"))
    expected = []
    for event in newest_first(EVENTS):
        doc = json_of(event) or {}
        expected.append({key: str(doc[key]) for key in ("retries", "status") if key in doc})
    assert rows == expected
    assert {} in rows and any(list(row) == ["retries", "status"] for row in rows)


def test_display_shows_only_its_fields_from_the_docs_example() -> None:
    output = run(
        'fields @message | parse @message "[*] *" as loggingType, loggingMessage '
        '| filter loggingType = "ERROR" | display loggingMessage'
    )
    expected = []
    for event in newest_first(EVENTS):
        match = re.search(r"\[(.*?)\] (.*)", event.message, re.DOTALL)
        if match and match.group(1) == "ERROR":
            expected.append({"loggingMessage": match.group(2)})
    assert expected and table(output) == expected


def test_the_last_display_wins_and_may_compute_a_field() -> None:
    output = run('parse @message "[*] *" as loggingType, loggingMessage | display loggingMessage '
                 '| display loggingType = "ERROR" as isError')
    expected = []
    for event in newest_first(EVENTS):
        match = re.search(r"\[(.*?)\] (.*)", event.message, re.DOTALL)
        expected.append({"isError": "1" if match.group(1) == "ERROR" else "0"} if match else {})
    assert table(output) == expected


# --- filter ---------------------------------------------------------------------------------


def doc_field(name: str) -> Callable[[StoredEvent], Any]:
    return lambda event: (json_of(event) or {}).get(name)


status, latency, retries = doc_field("status"), doc_field("latencyMs"), doc_field("retries")


def both(*checks: Callable[[StoredEvent], bool]) -> Callable[[StoredEvent], bool]:
    return lambda event: all(check(event) for check in checks)


FILTERS: list[tuple[str, Callable[[StoredEvent], bool]]] = [
    ("status = 500", lambda e: status(e) == 500),
    ("status != 200", lambda e: status(e) is not None and status(e) != 200),
    ("status < 300", lambda e: status(e) is not None and status(e) < 300),
    ("status <= 201", lambda e: status(e) is not None and status(e) <= 201),
    ("status > 404", lambda e: status(e) is not None and status(e) > 404),
    ('status >= "500"', lambda e: status(e) is not None and status(e) >= 500),
    ("latencyMs + 100 > 2000", lambda e: latency(e) is not None and latency(e) + 100 > 2000),
    ("latencyMs * 2 - 1 >= 3001", lambda e: latency(e) is not None and latency(e) * 2 - 1 >= 3001),
    ("latencyMs % 7 = 3", lambda e: latency(e) is not None and latency(e) % 7 == 3),
    ("latencyMs / 4 < 10", lambda e: latency(e) is not None and latency(e) / 4 < 10),
    ("latencyMs ^ 2 > 4000000", lambda e: latency(e) is not None and latency(e) ** 2 > 4_000_000),
    ('@message like "Exception"', lambda e: "Exception" in e.message),
    ("@message like /Exception/", lambda e: "Exception" in e.message),
    ("@message =~ /Exception/", lambda e: "Exception" in e.message),
    ('@message =~ "Exception"', lambda e: "Exception" in e.message),
    ("@message not like /Exception/", lambda e: "Exception" not in e.message),
    ('@message not like "Exception"', lambda e: "Exception" not in e.message),
    ("@message like /(?i)exception/", lambda e: "exception" in e.message.lower()),
    ("@message like /^(?i)JAVA\\.lang/", lambda e: e.message.lower().startswith("java.lang")),
    (r"@message like /handled in \d{3} ms$/", lambda e: re.search(r"handled in \d{3} ms$", e.message) is not None),
    ("status in [404, 503]", lambda e: status(e) in (404, 503)),
    ('status in ["404", 503]', lambda e: status(e) in (404, 503)),
    ("status not in [200, 201]", lambda e: status(e) is not None and status(e) not in (200, 201)),
    ('userIdentity.userName in ["alice", "carol"]',
     lambda e: (json_of(e) or {}).get("userIdentity", {}).get("userName") in ("alice", "carol")),
    ("status = 500 or status = 503", lambda e: status(e) in (500, 503)),
    ("status >= 500 and latencyMs > 1000",
     both(lambda e: (status(e) or 0) >= 500, lambda e: (latency(e) or 0) > 1000)),
    ("not (status = 200)", lambda e: status(e) is not None and status(e) != 200),
    ("ispresent(retries)", lambda e: retries(e) is not None),
    ("not ispresent(retries)", lambda e: retries(e) is None),
    ("isempty(retries)", lambda e: retries(e) is None),
    ("isblank(retries)", lambda e: retries(e) is None),
    ("strcontains(@message, 'locked')", lambda e: "locked" in e.message),
    ('@logStream = "web-1" and @message like /ERROR/', lambda e: e.log_stream == "web-1" and "ERROR" in e.message),
    ("@timestamp < " + str(BASE_MS + 600_000), lambda e: e.timestamp_ms < BASE_MS + 600_000),
]


@pytest.mark.parametrize(("condition", "keep"), FILTERS, ids=[condition for condition, _ in FILTERS])
def test_filter(condition: str, keep: Callable[[StoredEvent], bool]) -> None:
    expected = [event for event in EVENTS if keep(event)]
    output = run(f"filter {condition}")
    assert expected, "the seed should exercise this filter"
    assert pointers(f"filter {condition}") == pointers_of(expected)
    assert output.records_matched == len(expected)


def test_isempty_and_isblank_see_empty_and_blank_values() -> None:
    events = [
        StoredEvent(BASE_MS + index, message, APP_GROUP, "s", BASE_MS, str(index))
        for index, message in enumerate(('{"v": ""}', '{"v": "   "}', '{"v": "x"}', "{}"))
    ]
    assert table(run("fields isempty(v) as e, isblank(v) as b", events, end_ms=BASE_MS + 10)) == [
        {"e": "1", "b": "1"},
        {"e": "0", "b": "0"},
        {"e": "0", "b": "1"},
        {"e": "1", "b": "1"},
    ]


# --- parse ----------------------------------------------------------------------------------


def test_parse_glob_from_the_docs_feeds_stats() -> None:
    output = run('parse @message "user=*, method:*, latency := *" as @user, @method, @latency '
                 "| stats avg(@latency) as latency, count(*) as n by @method, @user | sort @method asc, @user asc")
    groups: dict[tuple[str, str], list[int]] = {}
    unparsed = 0
    for event in EVENTS:
        match = re.search(r"user=(.*?), method:(.*?), latency := (.*)", event.message)
        if match:
            groups.setdefault((match.group(2), match.group(1)), []).append(int(match.group(3)))
        else:
            unparsed += 1
    expected: list[dict[str, Any]] = [
        {"@method": method, "@user": user, "latency": None, "n": str(len(values))}
        for (method, user), values in sorted(groups.items())
    ]
    # Events the glob did not match form one group without the by fields, sorted last.
    expected.append({"n": str(unparsed)})
    rows = table(output)
    assert [{**row, "latency": None} if "latency" in row else row for row in rows] == expected
    for row, (_, values) in zip(rows, sorted(groups.items()), strict=False):
        assert float(row["latency"]) == pytest.approx(sum(values) / len(values))


def test_parse_glob_and_regex_give_the_documented_fields() -> None:
    line = "25 May 2019 10:24:39,474 [ERROR] {foo=2, bar=data} The error was: DataIntegrityException"
    events = [StoredEvent(BASE_MS, line, APP_GROUP, "s", BASE_MS, "1")]
    documented = {"level": "ERROR", "config": "{foo=2, bar=data}", "exception": "DataIntegrityException"}
    glob = run('parse @message "[*] * The error was: *" as level, config, exception | display level, config, exception', events)
    regex = run(r"parse @message /\[(?<level>\S+)\]\s+(?<config>\{.*\})\s+The error was: (?<exception>\S+)/"
                " | display level, config, exception", events)
    assert table(glob) == table(regex) == [documented]


def test_parse_keeps_rows_that_do_not_match_without_the_fields() -> None:
    output = run(r"parse @message /cart (?<cart>\d+) is locked/ | fields cart")
    expected = []
    for event in newest_first(EVENTS):
        match = re.search(r"cart (\d+) is locked", event.message)
        expected.append({"cart": match.group(1)} if match else {})
    assert table(output) == expected
    assert output.records_matched == len(EVENTS)


def test_parse_reads_any_field_and_chains() -> None:
    output = run('parse @logStream "*-*" as role, number | parse number "*" as digits | filter ispresent(digits) '
                 "| stats count(*) as n by role, digits | sort role asc, digits asc")
    counts: dict[tuple[str, str], int] = {}
    for event in EVENTS:
        if "-" in event.log_stream:
            role, number = event.log_stream.split("-", 1)
            counts[(role, number)] = counts.get((role, number), 0) + 1
    assert table(output) == [{"role": r, "digits": d, "n": str(n)} for (r, d), n in sorted(counts.items())]


def test_parse_without_a_field_reads_the_message() -> None:
    output = run('parse "cart * is" as cart | filter ispresent(cart) | stats count_distinct(cart) as carts')
    carts = {m.group(1) for event in EVENTS if (m := re.search(r"cart (.*?) is", event.message))}
    assert table(output) == [{"carts": str(len(carts))}]


# --- sort, limit, dedup ---------------------------------------------------------------------


def test_sort_by_a_number_both_ways_with_absent_values_last() -> None:
    def key(event: StoredEvent) -> int | None:
        return latency(event)

    present = [event for event in EVENTS if key(event) is not None]
    absent = [event for event in EVENTS if key(event) is None]
    ascending = sorted(present, key=lambda event: key(event) or 0)
    descending = sorted(present, key=lambda event: key(event) or 0, reverse=True)
    for direction, ordered in (("asc", ascending), ("desc", descending)):
        rows = table(run(f"fields latencyMs | sort latencyMs {direction}"))
        assert [row.get("latencyMs") for row in rows] == [str(key(e)) for e in ordered] + [None] * len(absent)


def test_sort_by_several_keys() -> None:
    rows = table(run("filter ispresent(status) | fields userIdentity.userName as user, latencyMs "
                     "| sort user asc, latencyMs desc"))
    documents = [doc for event in EVENTS if (doc := json_of(event))]
    documents.sort(key=lambda doc: (doc["userIdentity"]["userName"], -doc["latencyMs"]))
    assert rows == [{"user": d["userIdentity"]["userName"], "latencyMs": str(d["latencyMs"])} for d in documents]


def test_sort_follows_the_documented_natural_order() -> None:
    documented = ["!:", "#", "*%04", "0#", "5A", "111A", "2345_", "@", "@_", "A", "A9876fghj", "a12345hfh",
                  "0", "01", "1", "2", "3"]  # fmt: skip
    shuffled = [documented[(index * 7) % len(documented)] for index in range(len(documented))]
    events = [StoredEvent(BASE_MS + i, f'{{"v": "{value}"}}', APP_GROUP, "s", BASE_MS, str(i)) for i, value in enumerate(shuffled)]
    ascending = [row["v"] for row in table(run("fields v | sort v asc", events, end_ms=BASE_MS + 100))]
    descending = [row["v"] for row in table(run("fields v | sort v desc", events, end_ms=BASE_MS + 100))]
    assert ascending == documented
    assert descending == documented[::-1]  # "If you sort in descending order, the sort results are the reverse."


def test_sort_without_a_direction_is_descending() -> None:
    assert table(run("fields latencyMs | filter ispresent(latencyMs) | sort latencyMs")) == table(
        run("fields latencyMs | filter ispresent(latencyMs) | sort latencyMs desc")
    )


def test_limit_after_sort_from_the_docs() -> None:
    rows = table(run("fields @timestamp, @message | sort @timestamp desc | limit 25"))
    assert rows == [{"@timestamp": stamp(e.timestamp_ms), "@message": e.message} for e in newest_first(EVENTS)[:25]]


def test_limit_without_sort_keeps_the_newest() -> None:
    assert table(run("fields @message | limit 5")) == [{"@message": e.message} for e in newest_first(EVENTS)[:5]]


def _server_events() -> list[StoredEvent]:
    rows = [("a", "ERROR"), ("b", "INFO"), ("a", "INFO"), ("c", "ERROR"), ("a", "ERROR"), ("b", "INFO"), (None, "INFO")]
    events = []
    for index, (server, severity) in enumerate(rows):
        server_json = f'"server": "{server}", ' if server else ""
        message = f'{{{server_json}"severity": "{severity}", "message": "event {index}"}}'
        events.append(StoredEvent(BASE_MS + index * 1000, message, APP_GROUP, "s", BASE_MS, str(index)))
    return events


@pytest.mark.parametrize(
    ("query", "keys", "newest"),
    [
        ("fields @timestamp, server, severity, message | sort @timestamp desc | dedup server", ("server",), True),
        ("fields @timestamp, server, severity, message | sort @timestamp asc | dedup server", ("server",), False),
        ("fields @timestamp, server, severity, message | sort @timestamp desc | dedup server, severity",
         ("server", "severity"), True),
        ("fields @timestamp, server, severity, message | dedup server", ("server",), True),
    ],
)
def test_dedup_keeps_the_first_row_of_each_value_in_sort_order(query: str, keys: tuple[str, ...], newest: bool) -> None:
    events = _server_events()
    ordered = sorted(events, key=lambda event: event.timestamp_ms, reverse=newest)
    seen: set[tuple[str, ...]] = set()
    expected = []
    for event in ordered:
        doc = json_of(event) or {}
        if all(key in doc for key in keys):
            value = tuple(doc[key] for key in keys)
            if value in seen:
                continue
            seen.add(value)
        expected.append({"@timestamp": stamp(event.timestamp_ms), **{k: doc[k] for k in ("server", "severity", "message") if k in doc}})
    assert table(run(query, events, end_ms=BASE_MS + 10_000)) == expected


def test_dedup_then_limit() -> None:
    events = _server_events()
    assert len(run("fields server | dedup server | limit 2", events, end_ms=BASE_MS + 10_000).rows) == 2
