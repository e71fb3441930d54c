"""One filter language the model cannot get wrong in syntax, and what it becomes on the wire.

A `LogFilter` is structured data (words that must all appear, words of which
any may appear, excluded words, a regular expression, conditions on JSON
fields), so a model fills in fields instead of writing CloudWatch syntax. It
becomes a Logs Insights `filter` command, exact, for the counts; and a
FilterLogEvents pattern, as selective as that syntax allows, for samples and
the fallback: the exact filter is then applied locally (`matches`) to what
comes back, since a filter pattern cannot say everything the filter can.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Word = Annotated[str, StringConstraints(min_length=1, max_length=200)]
FieldPath = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_@][\w@-]*(\.[\w@-]+)*$", max_length=200)]
Operator = Literal["=", "!=", "<", "<=", ">", ">=", "exists", "missing"]


class FieldCondition(BaseModel):
    """A condition on a field of JSON messages, e.g. status >= 500 or level = "ERROR"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: FieldPath = Field(description='Dotted path into the JSON message, e.g. "status" or "error.code".')
    op: Operator = Field(default="=", description="Comparison; exists/missing need no value.")
    value: str | float | int | bool | None = Field(default=None, description="What to compare with (text or number).")


class LogFilter(BaseModel):
    """Which events count. Empty means every event. Words are case-sensitive, as CloudWatch matches them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    all_words: tuple[Word, ...] = Field(default=(), max_length=10, description='Every one of these must appear, e.g. ["ERROR"].')
    any_words: tuple[Word, ...] = Field(
        (), max_length=10, description='At least one of these must appear, e.g. ["ERROR", "Exception", "timed out"].'
    )
    exclude_words: tuple[Word, ...] = Field(default=(), max_length=10, description='None of these may appear, e.g. ["healthcheck"].')
    regex: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None, description="A regular expression the message must match (Python/PCRE syntax), e.g. \"HTTP [45]\\\\d\\\\d\"."
    )
    fields: tuple[FieldCondition, ...] = Field(default=(), max_length=5, description="Conditions on JSON message fields, all must hold.")

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"the regular expression does not compile: {exc}") from None
        return value or None

    @property
    def empty(self) -> bool:
        return not (self.all_words or self.any_words or self.exclude_words or self.regex or self.fields)

    # -- Logs Insights --------------------------------------------------------

    def insights(self) -> str:
        """The `filter …` command (empty text for an empty filter)."""
        parts = [f"@message like {_string(word)}" for word in self.all_words]
        if self.any_words:
            parts.append("(" + " or ".join(f"@message like {_string(word)}" for word in self.any_words) + ")")
        parts += [f"@message not like {_string(word)}" for word in self.exclude_words]
        if self.regex:
            parts.append(f"@message like /{self.regex.replace('/', chr(92) + '/')}/")
        parts += [_insights_condition(condition) for condition in self.fields]
        return "filter " + " and ".join(parts) if parts else ""

    # -- FilterLogEvents --------------------------------------------------------

    def filter_pattern(self) -> str:
        """A FilterLogEvents pattern that every matching event matches (it may match more; see `matches`).

        Terms cannot be mixed with `?` alternatives or JSON selectors in one
        pattern, so the most selective expressible part is sent.
        """
        if self.fields and not (self.all_words or self.any_words or self.exclude_words):
            return "{ " + " && ".join(_json_selector(c) for c in self.fields) + " }"
        if self.all_words:
            terms = [_term(word) for word in self.all_words] + [f"-{_term(word)}" for word in self.exclude_words]
            return " ".join(terms)
        if self.any_words:
            return " ".join(f"?{_term(word)}" for word in self.any_words)
        if self.exclude_words:
            return " ".join(f"-{_term(word)}" for word in self.exclude_words)
        return ""

    def matches(self, message: str) -> bool:
        """The exact filter, applied to one message."""
        if any(word not in message for word in self.all_words):
            return False
        if self.any_words and not any(word in message for word in self.any_words):
            return False
        if any(word in message for word in self.exclude_words):
            return False
        if self.regex and not re.search(self.regex, message):
            return False
        if self.fields:
            document = _json(message)
            if document is None or not all(_holds(c, document) for c in self.fields):
                return False
        return True

    def describe(self) -> str:
        """The filter in words, for headers and tool lines."""
        parts = []
        if self.all_words:
            parts.append(" and ".join(_quoted(w) for w in self.all_words))
        if self.any_words:
            parts.append("any of " + ", ".join(_quoted(w) for w in self.any_words))
        if self.exclude_words:
            parts.append("not " + ", ".join(_quoted(w) for w in self.exclude_words))
        if self.regex:
            parts.append(f"matching /{self.regex}/")
        parts += [f"{c.field} {c.op}{'' if c.op in ('exists', 'missing') else ' ' + json.dumps(c.value)}" for c in self.fields]
        return "; ".join(parts) if parts else "every event"


def _quoted(word: str) -> str:
    return json.dumps(word, ensure_ascii=False)


def _string(text: str) -> str:
    """An Insights string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _term(word: str) -> str:
    """A filter-pattern term: quoted, so any character is allowed."""
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _field_name(path: str) -> str:
    return path if re.fullmatch(r"[A-Za-z_@][\w@.]*", path) else f"`{path}`"


def _insights_condition(condition: FieldCondition) -> str:
    name = _field_name(condition.field)
    if condition.op == "exists":
        return f"ispresent({name})"
    if condition.op == "missing":
        return f"not ispresent({name})"
    value = condition.value
    literal = _string(value) if isinstance(value, str) else ("1" if value is True else "0" if value is False else json.dumps(value))
    return f"{name} {condition.op} {literal}"


def _json_selector(condition: FieldCondition) -> str:
    selector = "$." + condition.field
    if condition.op == "exists":
        return f"{selector} = *"
    if condition.op == "missing":
        return f"{selector} NOT EXISTS"
    value = condition.value
    if isinstance(value, bool):
        return f"{selector} IS {'TRUE' if value else 'FALSE'}"
    if value is None:
        return f"{selector} IS NULL"
    if isinstance(value, str):
        return f'{selector} {condition.op} "{value.replace(chr(34), "")}"'
    return f"{selector} {condition.op} {value}"


def _json(message: str) -> dict[str, Any] | None:
    text = message.strip()
    if not text.startswith("{"):
        start = text.find("{")
        if start < 0:
            return None
        text = text[start:]
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _lookup(document: dict[str, Any], path: str) -> tuple[bool, Any]:
    value: Any = document
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return False, None
    return True, value


def _holds(condition: FieldCondition, document: dict[str, Any]) -> bool:
    present, value = _lookup(document, condition.field)
    if condition.op == "exists":
        return present and value is not None
    if condition.op == "missing":
        return not present or value is None
    if not present:
        return False
    wanted = condition.value
    if condition.op in ("=", "!="):
        same = value == wanted or str(value) == str(wanted)
        return same if condition.op == "=" else not same
    try:
        left, right = float(value), float(wanted)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[condition.op]
