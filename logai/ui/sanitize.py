"""Text made safe for a terminal.

Log lines, stream names, model answers and tool arguments are written by
whoever can make a service log something, and a terminal obeys what it is
sent: OSC 52 writes the clipboard, OSC 8 hides a link behind innocent text,
OSC 0 sets the window title, `ESC[2J` clears the screen, SGR 8 hides text, a
carriage return overprints a line. Everything logai prints that it did not
write itself goes through `sanitize` first.

Colour sequences (SGR, `ESC[…m`) are dropped, because many services colour
their own logs and the text reads better without them. Every other control
character (C0 but newline and tab, DEL, C1) is replaced by a visible stand-in,
which also breaks any escape sequence it started: `ESC]52;c;…` prints as
`␛]52;c;…`, so the payload is shown and nothing is obeyed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.markdown import Markdown

# CSI (7-bit `ESC [` or 8-bit 0x9B) with only parameter bytes, ending in `m`.
_SGR = re.compile(r"(?:\x1b\[|\x9b)[0-9;:]*m")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    # A C1 control is ESC followed by the 7-bit byte 0x40 lower: 0x9B reads as "␛[".
    return "\u241b" + chr(code - 0x40)


def sanitize(text: str) -> str:
    """`text` with nothing a terminal would obey; newlines and tabs kept."""
    if not _CONTROL.search(text):
        return text
    text = _SGR.sub("", text.replace("\r\n", "\n"))
    return _CONTROL.sub(_visible, text)


_JSON_UNSAFE = re.compile(r"[\x7f-\x9f]")


def json_safe(document: str) -> str:
    """JSON text (as `json.dumps(…, ensure_ascii=False)` writes it) with DEL and C1 escaped.

    `json.dumps` escapes C0 itself but writes DEL and C1 raw; escaped, the
    document means the same and a terminal showing it obeys nothing. Those
    characters can only occur inside JSON strings, where `\\u00XX` is valid.
    """
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", document)


def safe_markdown(text: str) -> Markdown:
    """Markdown for a terminal: sanitised, and links printed as `text (target)`
    rather than as OSC 8 hyperlinks whose target the reader cannot see."""
    # Imported here: `logai logs` sanitises every line and never needs Rich.
    from rich.markdown import Markdown

    return Markdown(sanitize(text), hyperlinks=False)
