"""Recovery nudges: keep the model going after an empty search, a wrong group
name, or a reply that announces a search without making it.

A `TurnRecovery` lives for one turn. It decides whether a nudge is due,
builds the message the model sees and enforces the per-reason budget; the
agent turns its decisions into events, which is how they are counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from logai.agent.intent import Intent, IntentDetector
from logai.events import IntentDetected, NudgeReason
from logai.tools.result import SearchScope, ToolResult

NUDGE_PREFIX = "[automatic note from logai, not from the user]"


@dataclass(frozen=True, slots=True)
class RecoveryPolicy:
    auto_retry_enabled: bool = True
    intent_detection_enabled: bool = True
    max_nudges_per_reason: int = 3
    widen_factor: float = 4.0


@dataclass(frozen=True, slots=True)
class Nudge:
    reason: NudgeReason
    attempt: int
    message: str


@dataclass(frozen=True, slots=True)
class LimitReached:
    """The budget for `reason` is spent; `message` tells the model to answer now."""

    reason: NudgeReason
    message: str


Decision = Nudge | LimitReached


class TurnRecovery:
    """Per-turn retry state: which nudges were sent and how many of each."""

    def __init__(
        self,
        policy: RecoveryPolicy,
        *,
        detector: IntentDetector | None = None,
        known_groups: Callable[[], Sequence[str]] | None = None,
    ) -> None:
        self.policy = policy
        self.detector = detector
        self.known_groups = known_groups
        self.sent: dict[str, int] = {}
        self.exhausted: set[str] = set()

    def after_tools(self, results: Sequence[ToolResult]) -> list[Decision]:
        """Nudges due after a round of tool calls (at most one per reason)."""
        if not self.policy.auto_retry_enabled:
            return []
        decisions: list[Decision] = []
        missing = [r for r in results if r.missing_log_group]
        if missing:
            decision = self._decide("log_group_not_found", lambda: self._not_found_message(missing))
            if decision:
                decisions.append(decision)
        # Only nudge on empties when nothing in the round found anything: one
        # empty group beside a productive one is information, not a dead end.
        empties = [r for r in results if r.ok and r.empty]
        productive = any(r.ok and not r.empty for r in results)
        if empties and not productive:
            decision = self._decide("empty_logs", lambda: self._empty_message(empties))
            if decision:
                decisions.append(decision)
        return decisions

    def after_reply(self, content: str, *, tools_offered: bool) -> tuple[IntentDetected | None, Decision | None]:
        """A reply with no tool call: what the detector saw, and a nudge when the reply only announces an action."""
        if not (self.policy.intent_detection_enabled and tools_offered and self.detector):
            return None, None
        if not content.strip():
            return None, self._decide(
                "intent_without_action",
                lambda: f"{NUDGE_PREFIX} Your reply was empty. Call a tool now, or answer the question with what you know.",
            )
        intent = self.detector.detect(content)
        if not intent.detected:
            return None, None
        seen = IntentDetected(intent_type=str(intent.type), confidence_bucket=intent.bucket)
        return seen, self._decide("intent_without_action", lambda: self._intent_message(intent))

    def _decide(self, reason: NudgeReason, build: Callable[[], str]) -> Decision | None:
        if reason in self.exhausted:
            return None
        count = self.sent.get(reason, 0)
        if count >= self.policy.max_nudges_per_reason:
            self.exhausted.add(reason)
            return LimitReached(
                reason,
                f"{NUDGE_PREFIX} Stop searching now. Answer the question with what you found so far, "
                "say plainly what you searched and that it found nothing more, and suggest what the user could check next.",
            )
        self.sent[reason] = count + 1
        return Nudge(reason, count + 1, build())

    def _not_found_message(self, results: Sequence[ToolResult]) -> str:
        lines = [f"{NUDGE_PREFIX} A log group you named does not exist."]
        for result in results:
            if result.suggestions:
                close = ", ".join(result.suggestions)
                lines.append(f"- {result.missing_log_group!r} was not found. Closest existing names: {close}.")
            else:
                lines.append(f"- {result.missing_log_group!r} was not found, and no similar name exists.")
        lines.append(
            "Retry now with one of the existing names, or call list_log_groups with a short prefix to find the right group."
        )
        return "\n".join(lines)

    def _empty_message(self, results: Sequence[ToolResult]) -> str:
        lines = [f"{NUDGE_PREFIX} The search found no events. What was searched:"]
        groups: set[str] = set()
        widest: tuple[str, str] | None = None
        filters: list[str] = []
        for result in results:
            scope = result.scope
            groups.update(scope.log_groups)
            pattern = scope.filter_pattern or scope.query
            if pattern:
                filters.append(pattern)
            span = f"{_iso(scope.start)} to {_iso(scope.end)}"
            lines.append(f"- groups {', '.join(scope.log_groups) or '?'}, {span}, filter {pattern!r}")
            wider = widen(scope, self.policy.widen_factor)
            if wider:
                widest = wider
        lines.append("Do not give up yet. Try, in this order:")
        if widest:
            lines.append(
                f"1. A wider time range: start={widest[0]} end={widest[1]} ({self.policy.widen_factor:g}x the span searched)."
            )
        else:
            lines.append("1. A wider time range (several times the span you searched).")
        if any(filters):
            lines.append(
                "2. A looser filter: fewer words, one distinctive word, the other spellings in any_words "
                '(e.g. any_words ["ERROR", "Error", "error", "Exception", "timed out"]), or no words at all.'
            )
        else:
            lines.append("2. A filter is not the problem (none was used): the events may be in another group or time range.")
        others = self._other_groups(groups)
        if others:
            lines.append(f"3. Other log groups that exist: {', '.join(others)}.")
        else:
            lines.append("3. Other log groups: call list_log_groups to see what exists.")
        lines.append("Make the next tool call now.")
        return "\n".join(lines)

    def _intent_message(self, intent: Intent) -> str:
        said = intent.evidence.strip() or "that you would take an action"
        return (
            f"{NUDGE_PREFIX} You said {said!r} but made no tool call. "
            "Make that tool call now instead of describing it. If you already have what you need, give the final answer."
        )

    def _other_groups(self, searched: set[str], limit: int = 8) -> list[str]:
        if not self.known_groups:
            return []
        try:
            names_ = [g for g in self.known_groups() if g not in searched]
        except Exception:  # suggestions are a courtesy; a failing listing must not end the turn
            return []
        return names_[:limit]


def widen(scope: SearchScope, factor: float) -> tuple[str, str] | None:
    """A range `factor` times as long as the scope's, ending at the same end (ISO strings)."""
    if scope.start is None or scope.end is None:
        return None
    span = scope.end - scope.start
    if span.total_seconds() <= 0:
        return None
    return _iso(scope.end - span * factor), _iso(scope.end)


def _iso(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else "?"
