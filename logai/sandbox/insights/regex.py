"""Regular expressions as Logs Insights writes them (Java/RE2 style), translated to Python's `re`.

Two differences matter in practice: named groups are written `(?<name>…)`
(Python wants `(?P<name>…)`), and an inline flag group such as `(?i)` may sit
anywhere (`/^(?i)Exception$/` in the filter docs) and then applies from there
to the end of its enclosing group, which Python 3.11 refuses. Such a flag
group becomes a scoped group `(?i:…)` that is closed where the enclosing
group (or alternative) ends. Also here: the glob of `parse "…*…"`.
"""

from __future__ import annotations

import re

_FLAG_GROUP = re.compile(r"\(\?([a-zA-Z]+(?:-[a-zA-Z]+)?|-[a-zA-Z]+)\)")
_NAMED_GROUP = re.compile(r"\(\?<([A-Za-z][A-Za-z0-9_]*)>")
_NAMED_BACKREF = re.compile(r"\\k<([A-Za-z][A-Za-z0-9_]*)>")
# Java's UNICODE_CASE and UNIX_LINES flags have no Python counterpart and change nothing here.
_PYTHON_FLAGS = set("imsx")
_IGNORED_FLAGS = set("ud")


def translate(pattern: str) -> str:
    """The Python equivalent of a Logs Insights regex; `re.error` for flags Python lacks."""
    out: list[str] = []
    # One list of open scoped-flag groups per group depth, closed with their group.
    open_flags: list[list[str]] = [[]]
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            backref = _NAMED_BACKREF.match(pattern, index)
            if backref:
                out.append(f"(?P={backref.group(1)})")
                index = backref.end()
            else:
                out.append(pattern[index : index + 2])
                index += 2
            continue
        if char == "[":
            end = _class_end(pattern, index)
            out.append(pattern[index:end])
            index = end
            continue
        if char == "(":
            flags = _FLAG_GROUP.match(pattern, index)
            if flags:
                scoped = _python_flags(flags.group(1))
                if scoped:
                    out.append(f"(?{scoped}:")
                    open_flags[-1].append(scoped)
                index = flags.end()
                continue
            named = _NAMED_GROUP.match(pattern, index)
            if named:
                out.append(f"(?P<{named.group(1)}>")
                index = named.end()
            else:
                out.append(char)
                index += 1
            open_flags.append([])
            continue
        if char == ")":
            out.append(")" * len(open_flags.pop()) if len(open_flags) > 1 else "")
            out.append(char)
            index += 1
            continue
        if char == "|" and open_flags[-1]:
            # An alternative ends the flags' scope; Java applies them to the next one too.
            scopes = open_flags[-1]
            out.append(")" * len(scopes) + "|" + "".join(f"(?{flags}:" for flags in scopes))
            index += 1
            continue
        out.append(char)
        index += 1
    out.append(")" * len(open_flags[0]))
    return "".join(out)


def compile_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Logs Insights regex; raises `re.error` when it is not valid."""
    return re.compile(translate(pattern))


def glob_regex(glob: str) -> re.Pattern[str]:
    """The regex of a `parse` glob: each `*` captures, lazily, except a trailing one that takes the rest."""
    parts = glob.split("*")
    body = "".join(re.escape(part) + "(.*?)" for part in parts[:-1]) + re.escape(parts[-1])
    if glob.endswith("*"):
        body = body[: -len("(.*?)")] + "(.*)"
    return re.compile(body, re.DOTALL)


def _python_flags(spec: str) -> str:
    on, _, off = spec.partition("-")
    letters = set(on) | set(off)
    unknown = letters - _PYTHON_FLAGS - _IGNORED_FLAGS
    if unknown:
        raise re.error(f"unsupported inline flag {''.join(sorted(unknown))!r}")
    on = "".join(flag for flag in on if flag in _PYTHON_FLAGS)
    off = "".join(flag for flag in off if flag in _PYTHON_FLAGS)
    return on + (f"-{off}" if off else "")


def _class_end(pattern: str, start: int) -> int:
    """The index after the `]` closing the character class opened at `start`."""
    index = start + 1
    if index < len(pattern) and pattern[index] == "^":
        index += 1
    if index < len(pattern) and pattern[index] == "]":
        index += 1
    while index < len(pattern):
        if pattern[index] == "\\":
            index += 2
            continue
        if pattern[index] == "]":
            return index + 1
        index += 1
    return len(pattern)
