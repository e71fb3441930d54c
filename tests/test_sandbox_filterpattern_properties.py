"""Filter patterns against Python's own notion of the same thing, over generated patterns and events."""

from __future__ import annotations

import json
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from logai.sandbox.filterpattern import FilterPattern, FilterPatternError, compile_pattern

# No example database: it would write `.hypothesis/` into the working tree.
settings.register_profile("filterpattern", database=None, deadline=None, max_examples=150)
settings.load_profile("filterpattern")

words = st.text(alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=8)
messages = st.text(max_size=60)
ascii_messages = st.text(alphabet=string.printable, max_size=60)


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@given(phrase=st.text(min_size=1, max_size=40), before=messages, after=messages)
def test_a_quoted_phrase_matches_any_message_containing_it(phrase: str, before: str, after: str) -> None:
    assert compile_pattern(quoted(phrase)).matches(before + phrase + after)


@given(term=words, message=ascii_messages)
def test_a_term_matches_exactly_the_messages_containing_it(term: str, message: str) -> None:
    assert compile_pattern(term).matches(message) is (term in message)


@given(term=words, message=ascii_messages)
def test_an_excluded_term_never_matches_a_message_containing_it(term: str, message: str) -> None:
    assert compile_pattern(f"-{term}").matches(message) is (term not in message)
    assert not compile_pattern(f"-{term}").matches(message + term)


@given(first=words, second=words, message=ascii_messages)
def test_optional_terms_match_when_either_occurs(first: str, second: str, message: str) -> None:
    assert compile_pattern(f"?{first} ?{second}").matches(message) is (first in message or second in message)


@given(kept=words, excluded=words, message=ascii_messages)
def test_a_term_with_an_exclusion(kept: str, excluded: str, message: str) -> None:
    expected = kept in message and excluded not in message
    assert compile_pattern(f"{kept} -{excluded}").matches(message) is expected


@given(literal=words, message=ascii_messages)
def test_a_literal_regex_is_a_substring_search(literal: str, message: str) -> None:
    assert compile_pattern(f"%{literal}%").matches(message) is (literal in message)


json_text = st.text(max_size=20).filter(lambda text: not text.startswith("*") and not text.endswith("*"))


@given(key=words, value=json_text, other=json_text, ascii_only=st.booleans())
def test_json_string_equality(key: str, value: str, other: str, ascii_only: bool) -> None:
    pattern = compile_pattern(f"{{ $.{key} = {quoted(value)} }}")
    assert pattern.matches(json.dumps({key: value}, ensure_ascii=ascii_only))
    assert pattern.matches(json.dumps({key: other}, ensure_ascii=ascii_only)) is (value == other)
    assert not pattern.matches(json.dumps({"_" + key: value}, ensure_ascii=ascii_only))


numbers = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
)


@given(field=numbers, bound=numbers)
def test_json_numeric_comparisons(field: float, bound: float) -> None:
    event = json.dumps({"n": field})
    literal = repr(float(bound))
    assert compile_pattern(f"{{ $.n < {literal} }}").matches(event) is (field < float(bound))
    assert compile_pattern(f"{{ $.n >= {literal} }}").matches(event) is (field >= float(bound))
    assert compile_pattern(f"{{ $.n != {literal} }}").matches(event) is (field != float(bound))


@given(tokens=st.lists(words, min_size=1, max_size=8), slots=st.integers(min_value=1, max_value=8))
def test_space_delimited_slots_need_at_least_that_many_fields(tokens: list[str], slots: int) -> None:
    pattern = compile_pattern("[" + ", ".join(f"f{index}" for index in range(slots)) + "]")
    assert pattern.matches(" ".join(tokens)) is (len(tokens) >= slots)


@given(tokens=st.lists(words, min_size=1, max_size=8), wanted=words)
def test_an_ellipsis_then_a_condition_tests_the_last_field(tokens: list[str], wanted: str) -> None:
    pattern = compile_pattern(f"[..., last = {wanted}]")
    assert pattern.matches(" ".join(tokens)) is (tokens[-1] == wanted)


# Characters every parser branch reacts to, so generated text reaches deep into each of them.
pattern_text = st.text(alphabet=string.ascii_letters[:6] + string.digits[:3] + ' "%$.[]{}()*,=!<>&|?-\\:_', max_size=40)


@settings(max_examples=400)
@given(text=pattern_text, message=st.one_of(ascii_messages, st.builds(json.dumps, st.dictionaries(words, words))))
def test_any_text_compiles_or_is_refused_and_never_crashes(text: str, message: str) -> None:
    for candidate in (text, "{" + text + "}", "[" + text + "]", "%" + text + "%"):
        try:
            pattern = compile_pattern(candidate)
        except FilterPatternError as error:
            assert error.message
            continue
        assert isinstance(pattern, FilterPattern)
        assert isinstance(pattern.matches(message), bool)
