"""String functions, as the "String functions" table documents them."""

from __future__ import annotations

import base64
import binascii
import functools
import re
import urllib.parse

from ..regex import compile_regex
from ..values import Value, is_true, to_number, to_text
from .base import Function


def _isempty(value: Value) -> bool:
    return value is None or to_text(value) == ""


def _isblank(value: Value) -> bool:
    text = to_text(value)
    return value is None or (text is not None and text.strip() == "")


def _concat(*values: Value) -> str:
    # An absent argument adds nothing rather than blanking the whole result.
    return "".join(text for text in map(to_text, values) if text is not None)


def _strip_args(value: Value, chars: Value) -> tuple[str | None, str | None]:
    # With a second argument only those characters are removed, not white space.
    return to_text(value), (to_text(chars) if chars is not None else None)


def _ltrim(value: Value, chars: Value = None) -> Value:
    text, strip = _strip_args(value, chars)
    return None if text is None else text.lstrip(strip)


def _rtrim(value: Value, chars: Value = None) -> Value:
    text, strip = _strip_args(value, chars)
    return None if text is None else text.rstrip(strip)


def _trim(value: Value, chars: Value = None) -> Value:
    text, strip = _strip_args(value, chars)
    return None if text is None else text.strip(strip)


def _strlen(value: Value) -> Value:
    text = to_text(value)
    return None if text is None else len(text)  # code points, as documented


def _toupper(value: Value) -> Value:
    text = to_text(value)
    return None if text is None else text.upper()


def _tolower(value: Value) -> Value:
    text = to_text(value)
    return None if text is None else text.lower()


def _substr(value: Value, start: Value, length: Value = None) -> Value:
    text, begin = to_text(value), to_number(start)
    if text is None or begin is None:
        return None
    first = max(int(begin), 0)
    if length is None:
        return text[first:]
    count = to_number(length)
    return None if count is None else text[first : first + max(int(count), 0)]


def _replace(value: Value, search: Value, replacement: Value) -> Value:
    text, old, new = to_text(value), to_text(search), to_text(replacement)
    if text is None or old is None or new is None:
        return None
    return text.replace(old, new) if old else text


_DOLLAR_GROUP = re.compile(r"\$(\d+|\{([A-Za-z]\w*)\})")


@functools.lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return compile_regex(pattern)
    except re.error:
        return None


def _regex_replace(value: Value, pattern: Value, replacement: Value) -> Value:
    text, source, new = to_text(value), to_text(pattern), to_text(replacement)
    if text is None or source is None or new is None:
        return None
    compiled = _regex(source)
    if compiled is None:
        return None
    # Java and RE2 write group references as $1 and ${name}; Python as \g<1>.
    python_replacement = _DOLLAR_GROUP.sub(
        lambda m: f"\\g<{m.group(2) or m.group(1)}>", new.replace("\\", "\\\\")
    )
    try:
        return compiled.sub(python_replacement, text)
    except (re.error, IndexError):
        return None


def _contains(value: Value, search: Value, case_insensitive: Value = False) -> Value:
    text, needle = to_text(value), to_text(search)
    if text is None or needle is None:
        return None
    if is_true(case_insensitive) or to_text(case_insensitive) == "true":
        text, needle = text.casefold(), needle.casefold()
    return 1 if needle in text else 0


def _starts(value: Value, prefix: Value) -> Value:
    text, start = to_text(value), to_text(prefix)
    return None if text is None or start is None else int(text.startswith(start))


def _ends(value: Value, suffix: Value) -> Value:
    text, end = to_text(value), to_text(suffix)
    return None if text is None or end is None else int(text.endswith(end))


def _urlencode(value: Value) -> Value:
    text = to_text(value)
    return None if text is None else urllib.parse.quote_plus(text)


def _urldecode(value: Value) -> Value:
    text = to_text(value)
    return None if text is None else urllib.parse.unquote_plus(text)


def _b64encode(value: Value) -> Value:
    text = to_text(value)
    return None if text is None else base64.b64encode(text.encode()).decode()


def _b64decode(value: Value) -> Value:
    text = to_text(value)
    if text is None:
        return None
    try:
        return base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _split(value: Value, delimiter: Value) -> Value:
    text, separator = to_text(value), to_text(delimiter)
    if text is None or not separator:
        return None
    return list(text.split(separator))


def _hex_to_ascii(value: Value) -> Value:
    text = to_text(value)
    if text is None:
        return None
    digits = text[2:] if text.lower().startswith("0x") else text
    try:
        return bytes.fromhex(digits).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None


def _hex_to_dec(value: Value) -> Value:
    text = to_text(value)
    try:
        return None if text is None else int(text.strip(), 16)
    except ValueError:
        return None


def _dec_to_hex(value: Value) -> Value:
    number = to_number(value)
    if number is None:
        return None
    whole = int(number)  # non-integers are truncated, as documented
    return f"-0x{-whole:x}" if whole < 0 else f"0x{whole:x}"


FUNCTIONS: tuple[Function, ...] = (
    Function("isempty", 1, 1, _isempty, takes_absent=True),
    Function("isblank", 1, 1, _isblank, takes_absent=True),
    Function("concat", 1, None, _concat, takes_absent=True),
    Function("ltrim", 1, 2, _ltrim),
    Function("rtrim", 1, 2, _rtrim),
    Function("trim", 1, 2, _trim),
    Function("strlen", 1, 1, _strlen),
    Function("toupper", 1, 1, _toupper),
    Function("tolower", 1, 1, _tolower),
    Function("substr", 2, 3, _substr),
    Function("replace", 3, 3, _replace),
    Function("regexReplace", 3, 3, _regex_replace),
    Function("strcontains", 2, 3, _contains),
    Function("startsWith", 2, 2, _starts),
    Function("endsWith", 2, 2, _ends),
    Function("urlencode", 1, 1, _urlencode),
    Function("urldecode", 1, 1, _urldecode),
    Function("base64encode", 1, 1, _b64encode),
    Function("base64decode", 1, 1, _b64decode),
    Function("split", 2, 2, _split),
    Function("hexToAscii", 1, 1, _hex_to_ascii),
    Function("hexToDec", 1, 1, _hex_to_dec),
    Function("decToHex", 1, 1, _dec_to_hex),
)
