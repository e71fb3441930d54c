"""The miner on shapes of log it was not written for: one table per kind of failure seen on unseen systems.

Every line here is written for this test. Each case is a small stream: a
header style, then messages of a few events whose values vary; the miner
must group the lines by event, no more and no less, and show templates
without header parts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from logai.logs.patterns import PatternMiner, mine
from tests.loghub import grouping_accuracy

Header = Callable[[int, datetime], str]

# Three events, values varying per line; `(event, message)` for line n.
EVENTS: list[Callable[[int], str]] = [
    lambda n: f"Worker {n % 7} finished job {1000 + n * 37} in {n * 13 % 900} ms",
    lambda n: f"Connection to 10.0.{n % 5}.{n % 200} refused after {n % 4 + 1} retries",
    lambda n: f"Cache warmed with {n * 11} entries",
]


def _stream(header: Header, lines: int = 60) -> tuple[list[str], list[int]]:
    """`lines` lines under `header`, over several days so weekday and month names change."""
    when = datetime(2024, 2, 27, 22, 0, 0, 123000)
    out, labels = [], []
    for n in range(lines):
        when += timedelta(hours=3, seconds=n * 7)
        event = n % len(EVENTS)
        out.append(header(n, when) + EVENTS[event](n))
        labels.append(event)
    return out, labels


def _grouped(lines: list[str], labels: list[int]) -> list[str]:
    templates, ids = mine(lines)
    assert grouping_accuracy(ids, labels) == 1.0, [t.template for t in templates]
    return sorted(t.template for t in templates)


EXPECTED = sorted(
    [
        "Worker <*> finished job <*> in <*>",
        "Connection to <*> refused after <*> retries",
        "Cache warmed with <*> entries",
    ]
)

HOSTS = ("web-01", "LabSZ", "ip-10-0-3-17.ec2.internal", "db.prod.example.com", "cassandra")


# -- headers not recognised -------------------------------------------------------

HEADERS: dict[str, Header] = {
    # dates in brackets, with weekday and month names (a weekday left literal would split events)
    "bracket-weekday": lambda n, t: f"[{t:%a %b %d %H:%M:%S %Y}] [{('notice', 'error')[n % 2]}] ",
    "bracket-weekday-comma": lambda n, t: f"[{t:%A, %d %B %Y %H:%M:%S}] ",
    # dotted and compact dates
    "dotted-month-day": lambda n, t: f"[{t:%m.%d %H:%M:%S}] agent{n % 3}.exe - ",
    "dotted-day-month-year": lambda n, t: f"{t:%d.%m.%Y %H:%M:%S},{n % 1000:03d} INFO  ",
    "compact-date": lambda n, t: f"{t:%Y%m%d-%H:%M:%S}:{n % 1000:03d} ",
    "compact-iso": lambda n, t: f"{t:%Y%m%dT%H%M%SZ} WARN ",
    # header fields joined by pipes or tabs into one token
    "pipe-joined": lambda n, t: f"{t:%Y%m%d-%H:%M:%S}:{n % 1000:03d}|Step_{('A', 'B')[n % 2]}|{3000 + n}|",
    "lambda-tabs": lambda n, t: f"{t:%Y-%m-%dT%H:%M:%S}.{n % 1000:03d}Z\t{n:08x}-1b2c-4d5e-8f90-{n * 7919:012x}\tINFO\t",
    "python-lambda-tabs": lambda n, t: f"[INFO]\t{t:%Y-%m-%dT%H:%M:%S}.{n % 1000:03d}Z\t{n:08x}-aaaa-4bbb-8ccc-{n:012x}\t",
    # a host name before the program name
    "host-program": lambda n, t: f"{t:%b} {t.day:>2} {t:%H:%M:%S} {HOSTS[n % len(HOSTS)]} sshd[{2000 + n}]: ",
    "host-program-iso": lambda n, t: f"{t:%Y-%m-%dT%H:%M:%S}+02:00 {HOSTS[n % len(HOSTS)]} kernel: ",
    # others CloudWatch sees
    "log4j-thread": lambda n, t: f"{t:%Y-%m-%d %H:%M:%S},{n % 1000:03d} INFO [pool-{n % 3}-thread-{n % 5}] com.example.Service: ",
    "python-dashes": lambda n, t: f"{t:%Y-%m-%d %H:%M:%S},{n % 1000:03d} - billing.worker - WARNING - ",
    "glog": lambda n, t: f"I{t:%m%d %H:%M:%S}.{n:06d} {n % 90 + 10:>7} server.go:{n % 300}] ",
    "level-first": lambda n, t: f"{('INFO', 'WARN')[n % 2]} [{('main', 'worker-2')[n % 2]}] ",
    # no time at all (CloudWatch stamps the event itself): thread, level, logger
    "thread-level-logger": lambda n, t: f"[{('main', 'pool-2-thread-1')[n % 2]}] {('INFO', 'ERROR')[n % 2]} com.example.Billing - ",
    # columns every line repeats after the time: a container runtime's stream and flag, a padded component
    "container-stream": lambda n, t: f"{t:%Y-%m-%dT%H:%M:%S}.{n:09d}Z stdout F ",
    "padded-columns": lambda n, t: f"{t.month}/{t.day}/{t:%Y %I:%M:%S %p}  {('billing.api', 'billing.worker')[n % 2]:<16}  ",
    # a level in brackets, then `pid#tid:`
    "pid-hash-tid": lambda n, t: f"{t:%Y/%m/%d %H:%M:%S} [{('warn', 'error')[n % 2]}] {100 + n}#0: ",
}


@pytest.mark.parametrize("style", HEADERS)
def test_headers_of_other_shapes_are_cut_off(style: str) -> None:
    assert _grouped(*_stream(HEADERS[style])) == EXPECTED


def test_a_header_with_no_end_marker_still_groups() -> None:
    # Nothing says where `<epoch> <host> <component>` ends (no level, no `name:`), so the
    # host and component stay in the templates; they must not split or merge events.
    templates = _grouped(*_stream(lambda n, t: f"{int(t.timestamp())} node-{n % 9} app.svc "))
    assert templates == sorted("<*> app.svc " + template for template in EXPECTED)


def test_a_stream_of_two_formats_learns_both() -> None:
    first, first_labels = _stream(HEADERS["bracket-weekday"])
    second, second_labels = _stream(HEADERS["pipe-joined"], lines=90)
    assert _grouped(first + second, first_labels + second_labels) == EXPECTED


# -- header stripping must not eat message text ----------------------------------

EATEN: dict[str, tuple[list[str], int]] = {
    # a ` : ` inside the message is not the end of a header
    "spaced-colon": (
        [
            "2024-05-01 12:00:{s:02d} host-3 Upload failed : timeout after {n} s",
            "2024-05-01 12:00:{s:02d} host-3 Download failed : timeout after {n} s",
        ],
        2,
    ),
    # a `Word:` at the start of a message is not a logger name
    "word-colon": (
        [
            "2024-05-01 12:00:{s:02d},120 INFO Warning: disk {n}% full",
            "2024-05-01 12:00:{s:02d},120 INFO Error: disk {n}% full",
            "2024-05-01 12:00:{s:02d},120 INFO Scheduler started {n} tasks",
            "2024-05-01 12:00:{s:02d},120 INFO Scheduler stopped {n} tasks",
        ],
        4,
    ),
    # a long digit run in the message is not an epoch
    "long-number": (
        [
            "2024-05-01 12:00:{s:02d} Processed {e} records",
            "2024-05-01 12:00:{s:02d} Skipped {e} records",
        ],
        2,
    ),
}


@pytest.mark.parametrize("case", EATEN)
def test_header_cutting_leaves_the_message_whole(case: str) -> None:
    shapes, events = EATEN[case]
    lines, labels = [], []
    for n in range(80):
        lines.append(shapes[n % len(shapes)].format(s=n % 60, n=n * 3 + 1, e=1714567890 + n * 17))
        labels.append(n % len(shapes))
    templates, ids = mine(lines)
    assert len(templates) == events
    assert grouping_accuracy(ids, labels) == 1.0
    # The words that tell the events apart are in the templates.
    words = {line.split()[3 if case != "long-number" else 2].rstrip(":") for line in lines}
    assert all(any(word in t.template for t in templates) for word in words)


# -- lines of one event must be grouped -----------------------------------------------

SAME_EVENT: dict[str, list[str]] = {
    "hosts-and-fqdns": [
        "Connected to db-primary.internal:5432 as reader",
        "Connected to cache.example.com:6379 as reader",
        "Connected to 10.1.2.3:11211 as reader",
        "Connected to proxy.cse.example.edu.hk:5070 as reader",
    ],
    "size-in-parentheses": [
        "Transfer closed, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime <1 sec",
        "Transfer closed, 403 bytes sent, 0 bytes received, lifetime 00:01",
        "Transfer closed, 90210 bytes (88.09 KB) sent, 1671 bytes (1.63 KB) received, lifetime 02:13:54",
        "Transfer closed, 5 bytes sent, 77 bytes received, lifetime <1 sec",
    ],
    "variable-first-token": [
        "com.example.jobs.worker.17 picked up batch 3",
        "com.example.jobs.worker.4 picked up batch 88",
        "com.example.jobs.worker.250 picked up batch 1",
    ],
    "uuids-hex-paths-urls": [
        "Fetched https://api.example.com/v1/items?page=2 into /var/cache/app/3fa85f64-5717-4562-b3fc-2c963f66afa6 (etag 0x1f3a)",
        "Fetched https://cdn.example.org/assets/logo.png into /tmp/x/8f2b1c6a-1d2e-4f00-9a4b-0c1d2e3f4a5b (etag 0xff)",
    ],
    "words-where-numbers-were": [
        "Retrying request on interface eth0",
        "Retrying request on interface lo",
        "Retrying request on interface eth1",
    ],
    "many-users": [f"Accepted publickey for {user} from 10.0.0.{n} port 22" for n, user in enumerate(
        ("alice", "bob", "carol", "dave", "erin", "frank", "grace")
    )],
    "booleans": [
        "Screen update dimmed=true visible=false",
        "Screen update dimmed=false visible=false",
        "Screen update dimmed=true visible=true",
    ],
}


@pytest.mark.parametrize("case", SAME_EVENT)
def test_lines_of_one_event_share_a_template(case: str) -> None:
    miner = PatternMiner()
    ids = [miner.add(line) for line in SAME_EVENT[case]]
    assert len({miner.resolve(template_id) for template_id in ids}) == 1, [t.template for t in miner.templates()]


# -- different events must stay apart -------------------------------------------------

DIFFERENT: dict[str, tuple[list[str], list[str]]] = {
    # a state name differs: different events, while the numbers beside it merge
    "state-name": (
        [f"Component node-{n} is in the available state (id={n * 3})" for n in range(6)]
        + [f"Component node-{n} is in the unavailable state (id={n * 5})" for n in range(6)],
        ["Component <*> is in the available state (id=<*>)", "Component <*> is in the unavailable state (id=<*>)"],
    ),
    # a failure kind differs
    "failure-kind": (
        [f"Job {n} failed: {kind}" for n in range(12) for kind in ("timeout", "oom", "disk")],
        ["Job <*> failed: disk", "Job <*> failed: oom", "Job <*> failed: timeout"],
    ),
    # a lifecycle verb differs, in a long message that is otherwise the same
    "lifecycle-verb": (
        [f"[instance: {n:08x}-aaaa] VM {verb} (Lifecycle Event)" for n in range(8) for verb in ("Started", "Paused", "Resumed", "Stopped")],
        sorted(f"[instance: <*>] VM {verb} (Lifecycle Event)" for verb in ("Started", "Paused", "Resumed", "Stopped")),
    ),
    # transitions between states
    "transitions": (
        [
            f"Task attempt_{n}_m_{n * 3} transitioned from {old} to {new}"
            for n in range(10)
            for old, new in (("NEW", "ASSIGNED"), ("ASSIGNED", "RUNNING"), ("RUNNING", "SUCCEEDED"), ("RUNNING", "FAILED"))
        ],
        sorted(
            f"Task <*> transitioned from {old} to {new}"
            for old, new in (("NEW", "ASSIGNED"), ("ASSIGNED", "RUNNING"), ("RUNNING", "SUCCEEDED"), ("RUNNING", "FAILED"))
        ),
    ),
    # logfmt's message key holds the message, however short; other keys hold values
    "logfmt-message": (
        [
            f'ts=2024-02-27T22:{n:02d}:00Z level=info caller=node.go:{100 + n} node=n{n} msg="{state}"'
            for n in range(8)
            for state in ("not-responding", "blocked", "configured out")
        ],
        sorted(f'caller=<*> node=<*> msg="{state}"' for state in ("not-responding", "blocked", "configured out")),
    ),
    # one-word messages are not values of each other
    "one-word": (["closeQs", "instantCollapse", "suspendAutohide", "removeNotificationChildren"] * 3, sorted(["closeQs", "instantCollapse", "suspendAutohide", "removeNotificationChildren"])),
}


@pytest.mark.parametrize("case", DIFFERENT)
def test_messages_differing_in_one_literal_word_stay_apart(case: str) -> None:
    lines, expected = DIFFERENT[case]
    templates, _ = mine(lines)
    assert sorted(t.template for t in templates) == expected
