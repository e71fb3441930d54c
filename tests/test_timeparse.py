"""Time strings as users and models write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from logai.logs.timeparse import (
    TimeParseError,
    format_duration,
    from_ms,
    iso,
    parse_range,
    parse_time,
    to_ms,
)

NOW = datetime(2026, 11, 26, 15, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("15 minutes", timedelta(minutes=15)),
        ("2 hours ago", timedelta(hours=2)),
        ("1 day ago", timedelta(days=1)),
        (" 45 SEC ", timedelta(seconds=45)),
        ("2 weeks", timedelta(weeks=2)),
        ("0m", timedelta(0)),
    ],
)
def test_relative_times_count_back_from_now(text: str, back: timedelta) -> None:
    assert parse_time(text, now=NOW) == NOW - back


def test_now_is_now() -> None:
    assert parse_time("now", now=NOW) == NOW
    assert parse_time("NOW", now=NOW) == NOW


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-26T14:05:00Z", datetime(2026, 11, 26, 14, 5, tzinfo=UTC)),
        ("2026-11-26T14:05:00+02:00", datetime(2026, 11, 26, 12, 5, tzinfo=UTC)),
        ("2026-11-26T14:05:00.250-05:00", datetime(2026, 11, 26, 19, 5, 0, 250000, tzinfo=UTC)),
        ("2026-11-26T14:05:00", datetime(2026, 11, 26, 14, 5, tzinfo=UTC)),  # naive means UTC
        ("2026-11-26 14:05", datetime(2026, 11, 26, 14, 5, tzinfo=UTC)),
        ("2026-11-26", datetime(2026, 11, 26, tzinfo=UTC)),
    ],
)
def test_iso_times(text: str, expected: datetime) -> None:
    parsed = parse_time(text, now=NOW)
    assert parsed == expected
    assert parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0)


def test_epoch_milliseconds_and_seconds() -> None:
    assert parse_time("1795701900000", now=NOW) == datetime(2026, 11, 26, 14, 5, tzinfo=UTC)
    assert parse_time("1795701900", now=NOW) == datetime(2026, 11, 26, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize("text", ["yesterday-ish", "15 fortnights", "1h30m", "12345", "", "   ", "2026-13-45"])
def test_unreadable_times_name_the_value_and_the_accepted_forms(text: str) -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_time(text, now=NOW)
    message = str(caught.value)
    if text.strip():
        assert text.strip() in message
    assert "15m" in message or "unit" in message


def test_error_is_a_value_error_for_callers_that_catch_broadly() -> None:
    assert issubclass(TimeParseError, ValueError)


def test_a_naive_now_is_taken_as_utc() -> None:
    naive = datetime(2026, 11, 26, 15, 0, 0)
    assert parse_time("1h", now=naive) == NOW - timedelta(hours=1)


def test_range_defaults_to_the_last_hour() -> None:
    assert parse_range(None, None, now=NOW) == (NOW - timedelta(hours=1), NOW)
    assert parse_range("", "", now=NOW, default_start="10m") == (NOW - timedelta(minutes=10), NOW)


def test_range_with_both_ends() -> None:
    start, end = parse_range("3h", "2026-11-26T14:00:00Z", now=NOW)
    assert start == NOW - timedelta(hours=3)
    assert end == datetime(2026, 11, 26, 14, tzinfo=UTC)


def test_range_rejects_start_after_end() -> None:
    with pytest.raises(TimeParseError, match="not before the end"):
        parse_range("15m", "2h", now=NOW)
    with pytest.raises(TimeParseError, match="not before the end"):
        parse_range("now", "now", now=NOW)


def test_range_rejects_the_future_but_tolerates_small_skew() -> None:
    with pytest.raises(TimeParseError, match="in the future"):
        parse_range("1h", "2026-11-26T16:00:00Z", now=NOW)
    with pytest.raises(TimeParseError, match="start time .* in the future"):
        parse_range("2026-11-27", None, now=NOW)
    start, end = parse_range("1h", "2026-11-26T15:02:00Z", now=NOW)
    assert end == NOW + timedelta(minutes=2)


def test_ms_round_trip_and_iso() -> None:
    moment = datetime(2026, 11, 26, 14, 5, 0, 123000, tzinfo=UTC)
    assert to_ms(moment) == 1795701900123
    assert from_ms(1795701900123) == moment
    assert iso(moment) == "2026-11-26T14:05:00.123Z"
    assert iso(1795701900000) == "2026-11-26T14:05:00Z"
    other_zone = moment.astimezone(timezone(timedelta(hours=-7)))
    assert iso(other_zone) == "2026-11-26T14:05:00.123Z"
    assert to_ms(datetime(1970, 1, 1, 0, 0, 1)) == 1000


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=15), "15m"),
        (timedelta(hours=1), "1h"),
        (timedelta(hours=2, minutes=30), "2h 30m"),
        (timedelta(days=3), "3d"),
        (timedelta(days=1, hours=4, minutes=5), "1d 4h"),
    ],
)
def test_format_duration(span: timedelta, text: str) -> None:
    assert format_duration(span) == text
