"""The client-side rate limit: a token bucket per CloudWatch action, on a fake clock."""

from __future__ import annotations

import threading

from logai.logs.ratelimit import RateLimiter
from tests.test_sandbox_server import FakeClock


def test_a_burst_within_one_second_of_requests_does_not_wait() -> None:
    clock = FakeClock()
    limiter = RateLimiter({"StartQuery": 5.0}, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire("StartQuery") for _ in range(5)] == [0.0] * 5


def test_past_the_burst_callers_wait_one_interval_each_in_order() -> None:
    clock = FakeClock()
    limiter = RateLimiter({"FilterLogEvents": 5.0}, clock=clock, sleep=clock.sleep)
    start = clock()
    waits = [limiter.acquire("FilterLogEvents") for _ in range(8)]
    assert waits[:5] == [0.0] * 5
    assert all(abs(w - 0.2) < 1e-6 for w in waits[5:])
    # 8 calls at 5 per second after a full bucket: the last goes out 0.6 s in.
    assert abs((clock() - start) - 0.6) < 1e-6


def test_actions_have_their_own_buckets_and_unlisted_actions_are_free() -> None:
    clock = FakeClock()
    limiter = RateLimiter({"StartQuery": 1.0, "StopQuery": 0.0}, clock=clock, sleep=clock.sleep)
    assert limiter.acquire("StartQuery") == 0.0
    assert limiter.acquire("StartQuery") > 0
    assert limiter.acquire("GetQueryResults") == 0.0  # not listed
    assert [limiter.acquire("StopQuery") for _ in range(10)] == [0.0] * 10  # a rate of 0 means no limit


def test_concurrent_callers_never_exceed_the_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter({"GetQueryResults": 5.0}, clock=clock, sleep=clock.sleep)
    sent: list[float] = []
    lock = threading.Lock()

    def call() -> None:
        for _ in range(10):
            limiter.acquire("GetQueryResults")
            with lock:
                sent.append(clock())

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(sent) == 40
    # Any one-second window after the initial burst holds at most 5 + 5 calls (burst plus refill).
    sent.sort()
    for i, t in enumerate(sent):
        assert sum(1 for s in sent[i:] if s < t + 1.0) <= 10
