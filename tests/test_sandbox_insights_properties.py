"""Properties of the Logs Insights engine checked on generated data: filters and aggregates agree
with the same computation in Python, and sorting is the documented natural order both ways."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from logai.sandbox.records import StoredEvent
from tests.test_sandbox_insights_events import APP_GROUP, BASE_MS, run, table

OPERATORS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def events_with(values: list[int | None]) -> list[StoredEvent]:
    return [
        StoredEvent(BASE_MS + i, json.dumps({} if value is None else {"v": value}), APP_GROUP, "s", BASE_MS, str(i))
        for i, value in enumerate(values)
    ]


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), min_size=1, max_size=40),
    operator=st.sampled_from(sorted(OPERATORS)),
    threshold=st.integers(-1000, 1000),
)
def test_filter_then_stats_agrees_with_python(values: list[int | None], operator: str, threshold: int) -> None:
    kept = [value for value in values if value is not None and OPERATORS[operator](value, threshold)]
    output = run(f"filter v {operator} {threshold} | stats count(*) as n, sum(v) as total, max(v) as top",
                 events_with(values), end_ms=BASE_MS + 100)
    expected = [{"n": str(len(kept)), "total": str(sum(kept)), "top": str(max(kept))}] if kept else []
    assert table(output) == expected
    assert output.records_matched == len(kept)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ab09_@#Z. -", min_size=1, max_size=6), min_size=1, max_size=25, unique=True))
def test_descending_sort_is_the_reverse_of_ascending(texts: list[str]) -> None:
    events = [
        StoredEvent(BASE_MS + i, json.dumps({"v": text}), APP_GROUP, "s", BASE_MS, str(i)) for i, text in enumerate(texts)
    ]
    ascending = [row["v"] for row in table(run("fields v | sort v asc", events, end_ms=BASE_MS + 100))]
    descending = [row["v"] for row in table(run("fields v | sort v desc", events, end_ms=BASE_MS + 100))]
    assert sorted(ascending) == sorted(texts)
    numbers = [text for text in ascending if _is_number(text)]
    assert ascending[len(ascending) - len(numbers):] == numbers  # numbers after everything else
    distinct_keys = len({float(t) if _is_number(t) else t for t in texts}) == len(texts)
    if distinct_keys:
        assert descending == ascending[::-1]


def _is_number(text: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?", text) is not None


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet='abc"\\ x', max_size=8), st.text(alphabet='abc"\\ x', min_size=1, max_size=3))
def test_like_with_a_string_is_substring_search(message: str, needle: str) -> None:
    quoted = needle.replace("\\", "\\\\").replace('"', '\\"')
    events = [StoredEvent(BASE_MS, message, APP_GROUP, "s", BASE_MS, "1")]
    output = run(f'filter @message like "{quoted}"', events, end_ms=BASE_MS)
    assert output.records_matched == (1 if needle in message else 0)
