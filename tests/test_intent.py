"""IntentDetector: scored on the labelled reply set, plus focused cases for each kind of negative.

The set (`tests/data/intent_replies.jsonl`) holds model replies labelled with the
action they announce without taking, or "none". Every 4th line (index % 4 == 3)
is the held-out quarter; the rest is the tuning set. Run with `-s` to see the figures.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from logai.agent.intent import Intent, IntentDetector, IntentType

DATA = Path(__file__).parent / "data" / "intent_replies.jsonl"


def _load() -> list[dict[str, str]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


ROWS = _load()


@dataclass
class Score:
    precision: float
    recall: float
    type_accuracy: float
    per_type: dict[str, tuple[int, int]]  # type -> (right type, true positives of that type)
    false_positives: list[str]
    false_negatives: list[str]


def _score(rows: list[dict[str, str]]) -> Score:
    detector = IntentDetector()
    tp = fp = fn = 0
    per_type: dict[str, list[int]] = {t.value: [0, 0] for t in IntentType if t is not IntentType.NONE}
    false_pos: list[str] = []
    false_neg: list[str] = []
    for row in rows:
        intent = detector.detect(row["reply"])
        positive = row["intent"] != "none"
        if intent.detected and positive:
            tp += 1
            per_type[row["intent"]][1] += 1
            per_type[row["intent"]][0] += intent.type == row["intent"]
        elif intent.detected:
            fp += 1
            false_pos.append(f"{intent.type}: {row['reply'][:100]!r}")
        elif positive:
            fn += 1
            false_neg.append(f"{row['intent']}: {row['reply'][:100]!r}")
    right_types = sum(right for right, _ in per_type.values())
    return Score(
        precision=tp / (tp + fp) if tp + fp else 1.0,
        recall=tp / (tp + fn) if tp + fn else 1.0,
        type_accuracy=right_types / tp if tp else 1.0,
        per_type={k: (v[0], v[1]) for k, v in per_type.items()},
        false_positives=false_pos,
        false_negatives=false_neg,
    )


def _report(name: str, rows: list[dict[str, str]], score: Score) -> None:
    per_type = ", ".join(f"{t} {r}/{n}" for t, (r, n) in score.per_type.items())
    print(
        f"\n[{name}] n={len(rows)} precision={score.precision:.3f} recall={score.recall:.3f} "
        f"type accuracy={score.type_accuracy:.3f} ({per_type})"
    )
    for line in score.false_positives + score.false_negatives:
        print("   miss:", line)


# --- the labelled set ---------------------------------------------------------------------------


def test_labelled_set_is_shaped_as_agreed() -> None:
    assert len(ROWS) >= 150
    labels = Counter(row["intent"] for row in ROWS)
    assert set(labels) <= {t.value for t in IntentType}
    positive_share = 1 - labels["none"] / len(ROWS)
    assert 0.40 <= positive_share <= 0.55, positive_share
    for intent_type in IntentType:
        assert labels[intent_type.value] >= 15, intent_type
    assert all(row["note"] and row["reply"].strip() for row in ROWS)
    lengths = sorted(len(row["reply"]) for row in ROWS)
    assert lengths[0] < 60 and lengths[-1] > 600  # one-liners to multi-paragraph replies
    assert sum("```" in row["reply"] for row in ROWS) >= 8


def test_detector_on_the_whole_set() -> None:
    score = _score(ROWS)
    _report("whole", ROWS, score)
    assert score.precision >= 0.95, score.false_positives
    assert score.recall >= 0.90, score.false_negatives
    assert score.type_accuracy >= 0.85


def test_detector_on_tuning_and_held_out_quarters() -> None:
    tuning = [row for i, row in enumerate(ROWS) if i % 4 != 3]
    held_out = [row for i, row in enumerate(ROWS) if i % 4 == 3]
    tuning_score, held_out_score = _score(tuning), _score(held_out)
    _report("tuning", tuning, tuning_score)
    _report("held-out", held_out, held_out_score)
    # The bar for the whole set also holds on the quarter kept out of tuning.
    assert held_out_score.precision >= 0.95 and held_out_score.recall >= 0.90


def _microseconds_per_detect(reply: str, runs: int = 200) -> float:
    detector = IntentDetector()
    started = time.perf_counter()
    for _ in range(runs):
        detector.detect(reply)
    return (time.perf_counter() - started) / runs * 1e6


def test_detection_speed_is_reported() -> None:
    # A long final answer: several long replies of the set joined into one of ~4 KB.
    long_answers = [row["reply"] for row in ROWS if row["intent"] == "none" and len(row["reply"]) > 300]
    final_answer = "\n\n".join(long_answers)[:4096]
    # A worst case: a dozen replies of every kind back to back, dense with announcements.
    dense = "\n\n".join(row["reply"] for row in ROWS[:40])[:4096]
    short = ROWS[0]["reply"]
    figures = {
        f"final answer, {len(final_answer)} chars": _microseconds_per_detect(final_answer),
        f"dense mixture, {len(dense)} chars": _microseconds_per_detect(dense),
        f"one sentence, {len(short)} chars": _microseconds_per_detect(short),
    }
    print("\n[speed] " + "; ".join(f"{name}: {us:.0f} µs/detect" for name, us in figures.items()))
    assert not IntentDetector().detect(final_answer).detected  # finished answers stay finished when joined


# --- announcements, one per type, and what the evidence is -------------------------------------------


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("I'll grep `/aws/lambda/refunds` for `DynamoDB ProvisionedThroughputExceeded`.", IntentType.SEARCH_LOGS),
        ("Let me pull the container logs for the `billing` task around 07:30.", IntentType.SEARCH_LOGS),
        ("I'm going to find out which log groups the Glue jobs write to by listing them.", IntentType.LIST_GROUPS),
        ("Let me see what log groups exist under `/aws/apigateway/`.", IntentType.LIST_GROUPS),
        ("The last 30 minutes are empty. I'll extend the window to the last 3 days.", IntentType.WIDEN_TIME_RANGE),
        (
            "Let me go further back, to last Friday, since that's when the queue started growing.",
            IntentType.WIDEN_TIME_RANGE,
        ),
        ("I'll relax the pattern to `?refused ?reset` so both socket errors match.", IntentType.CHANGE_FILTER),
        ("Let me rewrite the filter as `[ip, user, ts, request, status=4*, size]`.", IntentType.CHANGE_FILTER),
        ("Let me correlate the consumer lag with the Kafka broker restarts.", IntentType.ANALYSE),
        ("I'm going to compute the error rate per minute for the last hour.", IntentType.ANALYSE),
        ("I'm now going to search the API logs.", IntentType.SEARCH_LOGS),
        ("Let me double-check the ECS logs for the same window.", IntentType.SEARCH_LOGS),
    ],
)
def test_announcements_are_detected_with_their_type(reply: str, expected: IntentType) -> None:
    intent = IntentDetector().detect(reply)
    assert intent.type is expected
    assert intent.detected
    assert intent.confidence >= 0.5
    assert intent.evidence and intent.evidence in reply


def test_evidence_is_the_announcing_sentence_in_the_replys_own_words() -> None:
    reply = (
        "The filter `\"Timeout\"` matched nothing in the last hour.\n\n"
        "Let me widen the search to the last 12 hours for `/ecs/orders-api`."
    )
    intent = IntentDetector().detect(reply)
    assert intent.type is IntentType.WIDEN_TIME_RANGE
    assert intent.evidence == "Let me widen the search to the last 12 hours for `/ecs/orders-api`."


def test_an_announcement_at_the_end_is_surer_than_one_followed_by_findings() -> None:
    detector = IntentDetector(min_confidence=0.0)
    at_end = detector.detect("The alarm fired at 09:40. Let me check the `/aws/lambda/sync` logs for errors.")
    followed = detector.detect(
        "Let me check the `/aws/lambda/sync` logs for errors. I found 12 timeouts between 09:38 and 09:41, "
        "all on the same DynamoDB call."
    )
    assert at_end.type is IntentType.SEARCH_LOGS and at_end.bucket == "high"
    assert followed.confidence < at_end.confidence
    assert not IntentDetector().detect(
        "Let me check the `/aws/lambda/sync` logs for errors. I found 12 timeouts between 09:38 and 09:41, "
        "all on the same DynamoDB call."
    ).detected


# --- each kind of negative -------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        "I searched `/ecs/cart` over the last 6 hours and found 41 `RedisTimeoutException` errors.",
        "I listed the log groups: the worker logs to `/ecs/queue-worker`.",
        "I widened the range to 7 days; the first failure was on Tuesday at 03:10 UTC.",
        "Let me summarise what I found:\n\n- 12 OOM kills\n- all on revision 17\n\nRevision 17 halved the memory.",
    ],
)
def test_finished_answers_are_not_announcements(reply: str) -> None:
    assert IntentDetector().detect(reply).type is IntentType.NONE


@pytest.mark.parametrize(
    "reply",
    [
        "You may want to search the `/aws/lambda/auth` group for `AccessDenied` too.",
        "I'd recommend widening the alarm's evaluation period to 5 minutes.",
        "You could list the groups yourself with `logai logs groups --prefix /ecs/`.",
        "Next time, check the RDS error log first; connection storms show up there before anywhere else.",
        "I would look at the ALB access logs as well, since they record the upstream status.",
    ],
)
def test_advice_to_the_user_is_not_an_announcement(reply: str) -> None:
    assert IntentDetector().detect(reply).type is IntentType.NONE


@pytest.mark.parametrize(
    "reply",
    [
        "Should I also search the `/aws/lambda/notify` group?",
        "Do you want me to widen the time range to the last week?",
        "Which log group does the reporting service write to?",
        "Shall I break the errors down by endpoint?",
        "Let me know which account you mean and I'll search the right groups.",
    ],
)
def test_questions_back_to_the_user_are_not_announcements(reply: str) -> None:
    assert IntentDetector().detect(reply).type is IntentType.NONE


@pytest.mark.parametrize(
    "reply",
    [
        "If you want, I can search the staging groups as well.",
        "If you send me the trace ID, I'll look for it in the gateway logs.",
        "Once you've picked a time window, I'll search the worker logs for it.",
        "I can correlate these with the deploy times if that would help.",
        "Happy to dig into the 429s next if you think they matter.",
    ],
)
def test_offers_and_conditionals_are_not_announcements(reply: str) -> None:
    assert IntentDetector().detect(reply).type is IntentType.NONE


@pytest.mark.parametrize(
    "reply",
    [
        "The `list_log_groups` tool returns group names, creation times and retention; it reads no events.",
        "Widening the time range means the search scans more data, so it takes longer.",
        "When I search a group, the filter pattern is matched by CloudWatch on the server side.",
        "I'll usually start with a filtered search before moving to Insights for counts.",
    ],
)
def test_explanations_of_tools_are_not_announcements(reply: str) -> None:
    assert IntentDetector().detect(reply).type is IntentType.NONE


@pytest.mark.parametrize(
    "reply",
    [
        "The retry loop logs this before each attempt:\n\n"
        "```\n2024-06-05T08:00:01Z WARN let me search the cache again\n```\n\n"
        "It ran 9,000 times in an hour.",
        "The worker prints `I'll check the queue in 5s` every five seconds, which is harmless noise.",
        "> INFO 2024-06-05 08:00:01 scheduler: I'm going to list pending jobs\n\n"
        "That line is followed by a crash each time.",
        "These two lines repeat all night:\n\n2024-06-05 02:00:01,104 INFO Let me check the lock\n"
        "2024-06-05 02:00:01,107 WARN lock held by job 88\n\nJob 88 never released the lock.",
        'The chatbot logged "Let me look at your order history" 3,102 times, all for the same customer.',
        "The JVM writes this before each kill:\n\n"
        "    [gc] Next I will expand the heap to 4096M\n\nThe container limit is 2 GiB.",
    ],
)
def test_quoted_log_content_is_not_an_announcement(reply: str) -> None:
    assert IntentDetector().detect(reply).type is IntentType.NONE


def test_meta_sentences_are_not_announcements() -> None:
    detector = IntentDetector()
    for reply in (
        "I'll wait for your confirmation before searching further.",
        "I'll need more information to proceed.",
        "I hope this helps! Let me know if you have other questions.",
        "Now I have enough information. Let me summarize:\n\nThe errors come from the payments Lambda (41 timeouts).",
        "Let me explain what a 504 from API Gateway means.",
        "Let me break this down:\n\nThe function timed out because the database was locked by the nightly job.",
        "I'll keep it brief: the deploy at 10:02 broke the database URL.",
        "I'm going to be direct: there's nothing in these logs that explains the outage.",
    ):
        assert detector.detect(reply).type is IntentType.NONE, reply


@pytest.mark.parametrize("reply", ["", "   ", "\n\n\t  \n"])
def test_empty_or_whitespace_reply_gives_none(reply: str) -> None:
    intent = IntentDetector().detect(reply)
    assert intent == Intent(IntentType.NONE, 0.0, "")
    assert not intent.detected


# --- the Intent value and the threshold ------------------------------------------------------------


@pytest.mark.parametrize(
    ("confidence", "bucket"),
    [(1.0, "high"), (0.8, "high"), (0.7999, "medium"), (0.5, "medium"), (0.4999, "low"), (0.0, "low")],
)
def test_bucket_boundaries(confidence: float, bucket: str) -> None:
    assert Intent(IntentType.ANALYSE, confidence, "x").bucket == bucket


def test_detected_is_false_only_for_none_and_types_are_metric_labels() -> None:
    assert Intent(IntentType.LIST_GROUPS, 0.3, "x").detected
    assert not Intent(IntentType.NONE, 0.9, "").detected
    assert str(IntentType.WIDEN_TIME_RANGE) == "widen_time_range"


def test_min_confidence_decides_what_counts() -> None:
    reply = "Still nothing. Searching the cart logs for `timeout`."  # a bare participle, no "now": weak
    loose = IntentDetector(min_confidence=0.0).detect(reply)
    assert loose.type is IntentType.SEARCH_LOGS and loose.confidence < 0.9
    assert IntentDetector(min_confidence=min(1.0, loose.confidence + 0.01)).detect(reply).type is IntentType.NONE
    assert IntentDetector(min_confidence=loose.confidence).detect(reply) == loose


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_min_confidence_out_of_range_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        IntentDetector(min_confidence=bad)
