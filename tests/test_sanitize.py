"""Terminal sanitising: nothing a terminal obeys survives; ordinary text is untouched."""

from __future__ import annotations

import io

from hypothesis import given, strategies as st
from rich.console import Console

from logai.ui.sanitize import safe_markdown, sanitize

# What a terminal acts on: C0 but newline and tab, DEL, C1.
OBEYED = {chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]}

# The sequences a hostile log line would carry.
SEQUENCES = [
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",  # OSC 52: write the clipboard
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # OSC 8: hidden link
    "\x1b]0;owned\x07",  # OSC 0: window title
    "\x1b[2J\x1b[H",  # clear screen, cursor home
    "\x1b[8mhidden\x1b[0m",  # SGR 8: concealed text
    "\x9b2J",  # 8-bit CSI
    "\x9d0;title\x9c",  # 8-bit OSC … ST
    "\x1bP1$r\x1b\\",  # DCS
    "\x1b7\x1b8",  # save/restore cursor
    "line\roverwrite",  # carriage return over a line
    "\x08\x08\x08",  # backspaces
]


def _obeyed(text: str) -> set[str]:
    return set(text) & OBEYED


@given(st.text())
def test_nothing_obeyed_survives_any_text(text: str) -> None:
    assert not _obeyed(sanitize(text))


@given(st.lists(st.sampled_from(SEQUENCES) | st.text(max_size=20), max_size=12))
def test_nothing_obeyed_survives_hostile_sequences_anywhere(parts: list[str]) -> None:
    assert not _obeyed(sanitize("".join(parts)))


@given(st.text().filter(lambda s: not _obeyed(s)))
def test_text_without_controls_is_unchanged(text: str) -> None:
    assert sanitize(text) == text


@given(st.text())
def test_idempotent(text: str) -> None:
    once = sanitize(text)
    assert sanitize(once) == once


def test_payloads_are_shown_not_obeyed() -> None:
    assert sanitize("a\x1b]52;c;aGk=\x07b") == "a␛]52;c;aGk=␇b"
    assert sanitize("\x9b2J") == "␛[2J"
    assert sanitize("x\r\ny\rz") == "x\ny␍z"
    assert sanitize("tab\there\n") == "tab\there\n"


def test_colours_are_dropped() -> None:
    assert sanitize("\x1b[1;31mERROR\x1b[0m boom") == "ERROR boom"


def test_markdown_links_show_their_target() -> None:
    out = io.StringIO()
    Console(file=out, force_terminal=True, width=100).print(safe_markdown("see [the docs](https://evil.example/x)"))
    shown = out.getvalue()
    assert "https://evil.example/x" in shown
    assert "\x1b]8;" not in shown
