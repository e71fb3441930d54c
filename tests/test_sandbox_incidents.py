"""The incident library: every incident is deterministic, big and realistic enough, and its
written ground truth agrees with the events it generates."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest

from logai.logs.redact import redact
from logai.sandbox.incidents import DEFAULT, INCIDENTS, Incident, IncidentData, SeedEvent, get_incident
from logai.sandbox.incidents.traffic import daily_load

HOUR = 3_600_000
MINUTE = 60_000
# 05:00 UTC on 2026-11-28: the window covers the night trough, where an incident has the fewest events.
NOW = 1_795_842_000_000
# The red herring's rate after the onset is within this share of its rate before.
RED_HERRING_TOLERANCE = 0.25

_REPORT = re.compile(
    r"REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: \d+ MB\t"
    r"Max Memory Used: \d+ MB\t(Init Duration: \d+\.\d\d ms\t)?"
    r"(Status: timeout\t|Status: error\tError Type: Runtime\.OutOfMemory\t)?\n"
)
_PLATFORM = re.compile(r"(START|END) RequestId: ([0-9a-f-]{36})")

_generated: dict[str, IncidentData] = {}


def _data(name: str) -> IncidentData:
    """Each incident generated once for the whole module; generation is the slow part."""
    if name not in _generated:
        _generated[name] = get_incident(name).generate(NOW)
    return _generated[name]


@pytest.fixture(params=sorted(INCIDENTS))
def incident(request: pytest.FixtureRequest) -> Incident:
    return INCIDENTS[request.param]


def test_the_library_holds_the_five_stories_and_names_them_when_asked_for_another() -> None:
    assert {"pool-shrink", "throttling-cascade", "memory-leak", "bad-config", "dependency-tls"} <= set(INCIDENTS)
    assert DEFAULT == "pool-shrink" and get_incident(DEFAULT) is INCIDENTS[DEFAULT]
    for name, incident in INCIDENTS.items():
        assert incident.name == name and incident.title and incident.summary
    with pytest.raises(KeyError, match="pool-shrink") as error:
        get_incident("no-such-incident")
    assert "no-such-incident" in str(error.value)


def test_the_same_now_gives_the_same_events(incident: Incident) -> None:
    assert incident.generate(NOW) == _data(incident.name)


def test_hours_of_history_and_nothing_after_now(incident: Incident) -> None:
    events = _data(incident.name).events
    assert len(events) >= 50_000
    times = [e.timestamp_ms for e in events]
    assert times == sorted(times)
    assert max(times) <= NOW
    assert NOW - min(times) >= 3 * HOUR


def test_several_groups_each_with_several_streams(incident: Incident) -> None:
    data = _data(incident.name)
    streams: dict[str, set[str]] = defaultdict(set)
    for event in data.events:
        streams[event.group].add(event.stream)
    assert 4 <= len(data.groups) <= 6 and set(data.groups) == set(streams)
    assert {group: len(names) for group, names in streams.items() if len(names) < 2} == {}
    assert set(data.retention_days) <= set(data.groups)


def test_each_proof_selects_exactly_its_count(incident: Incident) -> None:
    data = _data(incident.name)
    for proof in data.truth.proofs:
        assert len(proof.select(data.events)) == proof.count > 0, proof.description
        assert proof.group in data.groups


def test_the_first_proving_event_is_the_onset_and_groups_broke_in_the_stated_order(incident: Incident) -> None:
    data = _data(incident.name)
    truth = data.truth
    assert NOW - 75 * MINUTE <= truth.onset_ms <= NOW - 10 * MINUTE
    first_by_group: dict[str, int] = {}
    for proof in truth.proofs:
        first = min(e.timestamp_ms for e in proof.select(data.events))
        first_by_group[proof.group] = min(first, first_by_group.get(proof.group, first))
    assert min(first_by_group.values()) == truth.onset_ms
    assert first_by_group[truth.root_group] == truth.onset_ms
    assert tuple(sorted(first_by_group, key=first_by_group.__getitem__)) == truth.affected_groups
    assert truth.affected_groups[0] == truth.root_group


def test_the_red_herring_was_there_before_at_the_same_rate(incident: Incident) -> None:
    data = _data(incident.name)
    truth = data.truth
    matches = truth.red_herring.select(data.events)
    assert len(matches) == truth.red_herring.count
    start = data.events[0].timestamp_ms
    before = sum(1 for e in matches if e.timestamp_ms < truth.onset_ms)
    after = len(matches) - before
    rate_before = before / (truth.onset_ms - start)
    rate_after = after / (NOW - truth.onset_ms)
    assert after >= 20, "too few events after the onset to compare rates"
    assert abs(rate_after / rate_before - 1) <= RED_HERRING_TOLERANCE
    for proof in truth.proofs:
        assert not set(proof.select(matches)), "the red herring must not prove the incident"


def test_the_traps_are_planted_once_and_the_secrets_are_ones_redaction_knows(incident: Incident) -> None:
    data = _data(incident.name)
    truth = data.truth
    assert truth.secret_lines and truth.injection_text
    for secret in truth.secret_lines:
        carriers = [e for e in data.events if secret in e.message]
        assert len(carriers) == 1, secret
        assert secret not in redact(carriers[0].message)
    assert sum(1 for e in data.events if truth.injection_text in e.message) == 1


def test_json_messages_parse(incident: Incident) -> None:
    data = _data(incident.name)
    parsed = 0
    for event in data.events:
        if event.message.lstrip().startswith("{"):
            assert isinstance(json.loads(event.message), dict), event.message
            parsed += 1
    assert parsed > 1_000


def test_lambda_streams_read_like_lambda(incident: Incident) -> None:
    """REPORT lines in Lambda's exact format; one invocation at a time per stream, START before END."""
    data = _data(incident.name)
    by_stream: dict[tuple[str, str], list[SeedEvent]] = defaultdict(list)
    for event in data.events:
        if event.group.startswith("/aws/lambda/"):
            by_stream[event.group, event.stream].append(event)
    assert by_stream
    for (group, stream), events in by_stream.items():
        assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", stream)
        running: str | None = None
        for event in events:
            assert event.message.endswith("\n")
            if event.message.startswith("REPORT"):
                assert _REPORT.fullmatch(event.message), event.message
            platform = _PLATFORM.match(event.message)
            if platform and platform[1] == "START":
                assert running is None, f"{group} {stream}: overlapping invocations"
                running = platform[2]
            elif platform:
                assert running == platform[2]
                running = None


def test_traffic_follows_the_day() -> None:
    loads = [daily_load(hour * HOUR) for hour in range(24)]
    assert min(loads) == pytest.approx(0.5) and max(loads) == pytest.approx(1.0)
    assert loads.index(max(loads)) == 19 and loads[12] > loads[10] < loads[19]
