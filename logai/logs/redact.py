"""Redaction of secrets and personal data in log text before it leaves the machine.

Every match is replaced by a typed marker such as `[REDACTED:email]`, so the
model still sees that an address was there. For `key=value` shapes only the
value is replaced (`password=[REDACTED:password]`), which keeps the line
readable.

A line is scanned once: each rule has cheap trigger substrings, and the rules
whose triggers occur are tried together as alternatives of one compiled (and
cached) regular expression; most log lines trigger nothing and cost a
`lower()` and a few `in` checks (about 95,000 loghub lines a second). Rules are written to leave
ordinary log content alone: UUIDs, request ids, hex hashes, timestamps and
numbers never match, because every token rule needs a vendor prefix, a
`key=` context or a checksum (credit cards are Luhn-checked and need a card
network prefix).

IP addresses are kept on purpose. They are the evidence in most incident
questions ("which client is hammering us", "which host fails"), they are not
credentials, and masking them would make the assistant useless for exactly
the questions it exists for. The same goes for host names and user names.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Redactor", "redact", "KINDS"]


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


_CARD_LENGTHS = {"4": (13, 16, 19), "5": (16,), "2": (16,), "3": (15,), "6": (16, 17, 18, 19)}


def _is_card_number(text: str) -> bool:
    digits = re.sub(r"[ -]", "", text)
    return len(digits) in _CARD_LENGTHS.get(digits[0], ()) and _luhn_ok(digits)


def _is_key_material(text: str) -> bool:
    """Encoded random bytes rather than words: digits present, and the case of
    neighbouring letters flips often: about half the time in base64 (over a fifth
    in all but one 64-character line in 10,000), rarely in CamelCase words and
    paths such as `Device/HarddiskVolumeShadowCopy2/Windows` (a sixth)."""
    if not any(c.isdigit() for c in text):
        return False
    pairs = flips = 0
    for left, right in zip(text, text[1:]):
        if left.isalpha() and right.isalpha():
            pairs += 1
            flips += left.isupper() != right.isupper()
    return pairs > 0 and flips / pairs > 0.19


def _is_basic_credential(text: str) -> bool:
    """True when `text` is base64 of `user:password`, as HTTP Basic auth sends it."""
    try:
        decoded = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded and decoded.isascii()


# Values that are already blank or masked are not secrets worth a marker, and
# neither is a Java object reference (`token: android.os.BinderProxy@2bd79ce`).
_NOT_A_SECRET = re.compile(
    r"|null|none|nil|true|false|\*+|x{3,}|\[redacted[^\]]*\]|<redacted>|redacted|\.\.\.|[A-Za-z_][\w.$]*@[0-9a-f]{4,}",
    re.I,
)


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: str
    # A named group `v` marks the part to replace; without it the whole match goes.
    pattern: str
    # Lower-case substrings, one of which must occur for the rule to be tried at all.
    triggers: tuple[str, ...]
    # Extra check on the part to replace; a False answer leaves the text as it was.
    check: Callable[[str], bool] | None = None


# A value after `key=`/`key:`: an escaped-JSON (escaped once or more, as JSON
# logged inside JSON is), JSON or single-quoted string, or a bare word that
# stops at separators. The bare form is possessive and is not taken when it
# reads as an object dump: followed at once by `{`, `(` or `[`
# (`token=Token{a64f992}`), or a capitalised word and then one (`Token: Token {
# kind: … }`); `password=x (from env)` is no dump.
_VALUE = (
    r"""(?:\\+"(?P<vesc>[^"\\\n]{1,200})\\+"|"(?P<vdq>(?:[^"\\\n]|\\.){1,200})"|'(?P<vsq>[^'\n]{1,200})'"""
    r"""|(?![A-Z][A-Za-z]*\s+[{(\[])(?P<vbare>[^\s"',;&<>{}()\[\]]++)(?![{(\[]))"""
)
# The same after a URL-encoded `=` or `:` (`password%3Dx`, `%22password%22%3A%22x%22`):
# the value ends where an encoded quote, `&`, `,`, `;` or `}` begins.
_ENCODED_VALUE = r"""(?:\+|%20)*(?:%22)?(?P<venc>(?:(?!%2[26Cc]|%3[Bb]|%7[Dd])(?:[^\s"',;&<>{}()\[\]%]|%[0-9A-Fa-f]{2})){1,200})"""


def _key_rule(kind: str, keys: str, triggers: tuple[str, ...]) -> _Rule:
    # The key may carry any prefix (`db_password`, `X-Amz-Security-Token`); the key
    # word must end it, so `max_tokens=` or `token_count=` do not match. A key
    # may be URL-encoded with its separator (`password%3D…`, `%22password%22%3A…`).
    return _Rule(
        kind,
        rf"(?i:{keys})(?:(?:\\*[\"'])?\s*[:=]\s*{_VALUE}|(?:%22)?%3[AaDd]{_ENCODED_VALUE})",
        triggers,
    )


_AWS_KEY_PREFIXES = ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ABIA", "ACCA")

# Order matters where two rules can start at the same place: the first wins.
_RULES: tuple[_Rule, ...] = (
    _Rule(
        "private_key",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
        r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)",
        ("private key",),
    ),
    _Rule("jwt", r"(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*", ("eyj",)),
    # scheme://user:password@host keeps the scheme, user and host; also URL-encoded
    # (`postgres%3A%2F%2Fapp%3Apw%40db`), as connection strings in query strings are.
    _Rule("password", r"(?<![\w.+-])[A-Za-z][A-Za-z0-9+.-]{1,30}://[^\s:/@]{0,100}:(?P<v>[^\s@/]{1,200})(?=@)", ("://",)),
    _Rule(
        "password",
        r"(?<![\w.+-])[A-Za-z][A-Za-z0-9+.-]{1,30}%3[Aa]%2[Ff]%2[Ff](?:(?!%3[Aa]|%40)[^\s/@]){0,100}%3[Aa]"
        r"(?P<v>(?:(?!%40)[^\s/@]){1,200})(?=%40)",
        ("%3a%2f%2f",),
    ),
    _Rule(
        "aws_access_key_id",
        rf"(?<![A-Z0-9])(?:{'|'.join(_AWS_KEY_PREFIXES)})[A-Z0-9]{{16}}(?![A-Z0-9])",
        tuple(prefix.lower() for prefix in _AWS_KEY_PREFIXES),
    ),
    _Rule(
        "github_token",
        r"(?<!\w)(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _Rule(
        "slack_token",
        r"(?<![\w-])xox[abposr]-[A-Za-z0-9-]{10,}|https://hooks\.slack\.com/services/[A-Za-z0-9/]+",
        ("xox", "hooks.slack"),
    ),
    _Rule(
        "api_key",
        r"(?<![\w-])(?:sk-(?:proj-|svcacct-|admin-|ant-[a-z0-9]+-)?[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{35})"
        # Stripe's prefixes are distinctive enough to be found inside an identifier (`token_sk_live_…`).
        r"|(?<![A-Za-z0-9-])(?:[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9+/=]{16,})",
        ("sk-", "sk_", "rk_", "whsec_", "aiza"),
    ),
    # A cookie header carries session credentials: its whole value goes (to the end of
    # the line, an escaped newline or a closing quote).
    _Rule(
        "cookie",
        r"(?i:(?<![\w-])(?:set-)?cookie)(?:\\*[\"'])?\s*[:=]\s*(?:\\*[\"'])?"
        r"(?P<v>(?:(?!\\[nr\"]|\\*[\"'])[^\r\n])+)",
        ("cookie",),
    ),
    # `Authorization: Bearer x`, `Authorization: Basic x`, `Authorization=x`: the credential goes.
    _Rule(
        "authorization",
        r"(?i:(?<![\w-])(?:proxy-)?authorization)[\"']?\s*[:=]\s*[\"']?"
        r"(?i:(?:bearer|basic|digest|negotiate|token|aws4-hmac-sha256)\s+)?(?P<v>[^\s\"']{4,})",
        ("authorization",),
    ),
    _Rule("bearer_token", r"(?<![\w-])(?i:bearer)\s+(?P<v>[A-Za-z0-9._~+/-]{16,}=*)", ("bearer",)),
    # Only base64 that decodes to `user:password`, so "Basic authentication enabled" stays.
    _Rule(
        "basic_auth", r"(?<![\w-])(?i:basic)\s+(?P<v>[A-Za-z0-9+/]{6,}={0,2})(?![\w+/=])", ("basic",), _is_basic_credential
    ),
    _key_rule("aws_secret_key", r"aws_?secret_?access_?key|secret_?access_?key", ("secret",)),
    _key_rule("secret", r"client_?secret|secret_?key|secret", ("secret",)),
    _key_rule("password", r"pass(?:word|wd)|(?<![A-Za-z])pass(?==)|(?<![A-Za-z])pwd", ("pass", "pwd")),
    _key_rule("session", r"(?:j|php)?sess(?:ion)?[_-]?id|session[_-]?token", ("sess",)),
    _key_rule("api_key", r"api[_-]?key", ("api",)),
    _key_rule("secret", r"private_?key|access_?key", ("key",)),
    _key_rule("token", r"token", ("token",)),
    _key_rule("secret", r"credentials?", ("credential",)),
    _key_rule("signature", r"signature", ("signature",)),
    # A run of 60 or more base64 characters mixing cases and digits: key material,
    # such as the body lines of a PEM key logged one line per event (as Lambda's
    # stdout does), or a token nobody named. Hex digests, UUIDs and ids never qualify.
    _Rule("key_material", r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{60,}={0,2}(?![A-Za-z0-9+/=_-])", (), _is_key_material),
    _Rule(
        "email",
        r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
        r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])",
        ("@",),
    ),
    # Card numbers need a network prefix (2-6), a network length and a valid Luhn digit.
    _Rule("credit_card", r"(?<![\w.-])[2-6]\d{3}(?:[ -]?\d{4}){2}[ -]?\d{1,7}(?![\w-])", (), _is_card_number),
)

# Triggers substrings cannot say: digits in card shape, a long base64 run.
_CARD_TRIGGER = re.compile(r"\d{4}[ -]?\d{4}[ -]?\d{4}")
_CARD_RULE = len(_RULES) - 1
_KEY_MATERIAL_TRIGGER = re.compile(r"[A-Za-z0-9+/]{60}")
_KEY_MATERIAL_RULE = next(index for index, rule in enumerate(_RULES) if rule.kind == "key_material")

KINDS: tuple[str, ...] = tuple(dict.fromkeys(rule.kind for rule in _RULES))

_VALUE_GROUPS = ("v", "vesc", "vdq", "vsq", "vbare", "venc")


def _alternative(index: int) -> str:
    """Rule `index` as a named group `r<index>`, its value groups renamed to stay unique."""
    pattern = _RULES[index].pattern
    for group in _VALUE_GROUPS:
        pattern = pattern.replace(f"(?P<{group}>", f"(?P<r{index}{group}>")
    return f"(?P<r{index}>{pattern})"


@functools.lru_cache(maxsize=512)
def _pattern_for(active: tuple[int, ...]) -> re.Pattern[str]:
    """One regex trying only the rules whose triggers occur: a line is scanned once."""
    return re.compile("|".join(_alternative(index) for index in active))


def _active_rules(text: str) -> tuple[int, ...]:
    lowered = text.lower()
    active = [index for index, rule in enumerate(_RULES) if any(trigger in lowered for trigger in rule.triggers)]
    if len(text) >= 60 and _KEY_MATERIAL_TRIGGER.search(text):
        active.append(_KEY_MATERIAL_RULE)
    if _CARD_TRIGGER.search(text):
        active.append(_CARD_RULE)
    return tuple(sorted(active))


class Redactor:
    """Redacts text and counts what it replaced, by kind (`counts`)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def redact(self, text: str) -> str:
        """`text` with every secret replaced by `[REDACTED:<kind>]`."""
        if not text:
            return text
        active = _active_rules(text)
        if not active:
            return text
        return _pattern_for(active).sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        name = match.lastgroup
        assert name is not None
        rule = _RULES[int(name[1:])]
        whole = match.group(name)
        value_group = next(
            (f"{name}{g}" for g in _VALUE_GROUPS if f"{name}{g}" in match.re.groupindex and match.group(f"{name}{g}")),
            None,
        )
        if value_group is None:
            if rule.check is not None and not rule.check(whole):
                return whole
            self.counts[rule.kind] += 1
            return f"[REDACTED:{rule.kind}]"
        value = match.group(value_group)
        if _NOT_A_SECRET.fullmatch(value) or (rule.check is not None and not rule.check(value)):
            return whole
        self.counts[rule.kind] += 1
        start = match.start(value_group) - match.start(name)
        end = match.end(value_group) - match.start(name)
        return f"{whole[:start]}[REDACTED:{rule.kind}]{whole[end:]}"


def redact(text: str) -> str:
    """`text` with secrets and personal data replaced by typed `[REDACTED:<kind>]` markers."""
    return Redactor().redact(text)
