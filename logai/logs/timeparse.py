"""Times as people and models write them: `15m`, `2 hours ago`, ISO-8601, epoch.

Everything returned is an aware UTC `datetime`. `now` is always passed in, so
callers (and tests) decide what "now" means.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# A clock a few minutes fast on either side should not make "now" an error.
FUTURE_SKEW = timedelta(minutes=5)

ACCEPTED_FORMS = (
    'a relative time such as 30s, 15m, 2h, 3d, 1w or "2 hours ago", "now", '
    "an ISO-8601 time such as 2026-11-26T14:05:00Z or 2026-11-26, "
    "or epoch milliseconds (13 digits) or seconds (10 digits)"
)

_UNIT_SECONDS = {
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
}

# Every spelling maps to the one-letter unit; "m" is minutes, never months.
_UNIT_ALIASES = {
    **{alias: "s" for alias in ("s", "sec", "secs", "second", "seconds")},
    **{alias: "m" for alias in ("m", "min", "mins", "minute", "minutes")},
    **{alias: "h" for alias in ("h", "hr", "hrs", "hour", "hours")},
    **{alias: "d" for alias in ("d", "day", "days")},
    **{alias: "w" for alias in ("w", "wk", "wks", "week", "weeks")},
}

_RELATIVE = re.compile(
    r"^\s*(?P<amount>\d+)\s*(?P<unit>[a-z]+)(?:\s+ago)?\s*$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"^\s*\d+\s*$")


class TimeParseError(ValueError):
    """A time string logai cannot read; the message names it and the accepted forms."""


def parse_time(value: str, *, now: datetime) -> datetime:
    """Read one time; relative times count back from `now`.

    Raises TimeParseError with a message a user understands.
    """
    now = _as_utc(now)
    if not isinstance(value, str) or not value.strip():
        raise TimeParseError(f"An empty time was given; use {ACCEPTED_FORMS}.")
    text = value.strip()
    if text.lower() == "now":
        return now
    if _DIGITS.match(text):
        return _parse_epoch(text)
    relative = _RELATIVE.match(text)
    if relative:
        unit = _UNIT_ALIASES.get(relative["unit"].lower())
        if unit is None:
            raise TimeParseError(
                f'Cannot read the time "{text}": unknown unit "{relative["unit"]}"; use {ACCEPTED_FORMS}.'
            )
        seconds = int(relative["amount"]) * _UNIT_SECONDS[unit]
        try:
            return now - timedelta(seconds=seconds)
        except OverflowError:
            raise TimeParseError(f'The time "{text}" reaches too far back; use a smaller amount.') from None
    return _parse_iso(text)


def parse_range(
    start: str | None,
    end: str | None,
    *,
    now: datetime,
    default_start: str = "1h",
) -> tuple[datetime, datetime]:
    """Read a start/end pair (None means `default_start` and now).

    Raises TimeParseError when either time is unreadable, lies in the future
    beyond a small skew, or the start is not before the end.
    """
    now = _as_utc(now)
    start_text = start if start is not None and str(start).strip() else default_start
    end_text = end if end is not None and str(end).strip() else "now"
    start_dt = parse_time(start_text, now=now)
    end_dt = parse_time(end_text, now=now)
    for label, text, moment in (("start", start_text, start_dt), ("end", end_text, end_dt)):
        if moment > now + FUTURE_SKEW:
            raise TimeParseError(
                f'The {label} time "{text}" ({iso(moment)}) is in the future; '
                f"logs exist only up to now ({iso(now)})."
            )
    if start_dt >= end_dt:
        raise TimeParseError(
            f'The start "{start_text}" ({iso(start_dt)}) is not before the end '
            f'"{end_text}" ({iso(end_dt)}); give an earlier start or a later end.'
        )
    return start_dt, end_dt


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of a datetime (naive means UTC)."""
    return (_as_utc(moment) - EPOCH) // timedelta(milliseconds=1)


def from_ms(epoch_ms: int) -> datetime:
    """The aware UTC datetime of epoch milliseconds."""
    return EPOCH + timedelta(milliseconds=epoch_ms)


def iso(moment: datetime | int) -> str:
    """ISO-8601 in UTC with a `Z`; milliseconds only when they are not zero.

    Accepts a datetime or epoch milliseconds.
    """
    dt = from_ms(moment) if isinstance(moment, int) else _as_utc(moment)
    if dt.microsecond // 1000:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def format_duration(span: timedelta) -> str:
    """A short human duration: `45s`, `15m`, `1h`, `2h 30m`, `3d`, `1d 4h`."""
    total = int(span.total_seconds())
    if total < 60:
        return f"{max(total, 0)}s"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days}d"] if days else []
    if hours:
        parts.append(f"{hours}h")
    if minutes and not days:
        parts.append(f"{minutes}m")
    return " ".join(parts[:2]) or "0s"


def _parse_epoch(text: str) -> datetime:
    digits = text.strip()
    # Only the two unambiguous widths: anything else is more likely a typo
    # than a deliberate epoch in a far-off century.
    if len(digits) == 13:
        return from_ms(int(digits))
    if len(digits) == 10:
        return EPOCH + timedelta(seconds=int(digits))
    raise TimeParseError(
        f'Cannot read the time "{digits}": a bare number must be epoch milliseconds (13 digits) '
        f"or seconds (10 digits); a relative time needs a unit such as 15m or 2h."
    )


def _parse_iso(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise TimeParseError(f'Cannot read the time "{text}"; use {ACCEPTED_FORMS}.') from None
    return _as_utc(parsed)


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
