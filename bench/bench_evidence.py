"""One question about an incident, as a model asks it, against CloudWatch's quotas and latency.

    .venv/bin/python bench/bench_evidence.py [--extra 60000] [--repeat 3]

The sandbox runs in realistic mode (rate quotas answered with
ThrottlingException, 30 ms a request, Insights queries that take 0.5 s plus
1 s per million events scanned) with the pool-shrink incident and extra
healthy traffic, over 150,000 events in 5 groups. A scripted model asks for
the evidence about two groups in one reply, so the two searches run at once,
then answers. Reported: wall time, CloudWatch calls by action, throttles,
bytes scanned, tokens per result, and whether each result states the exact
count and the onset minute, computed here from the seeded events.

Targets: no throttling reaches the model; at most 30 CloudWatch read calls
for the question; every result within the token budget; the exact count and
the onset minute in each result.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from logai.sandbox.config import SandboxConfig  # noqa: E402
from logai.sandbox.incidents import get_incident  # noqa: E402
from logai.sandbox.incidents.pool_shrink import CHECKOUT, GATEWAY, PAYMENTS  # noqa: E402
from logai.sandbox.server import SandboxServer  # noqa: E402
from tests.llm_server import ScriptedLLMServer, call, text, tool_calls  # noqa: E402

BUDGET = 3000


def extra_traffic(count: int, now_ms: int) -> list[tuple[str, str, int, str]]:
    """Healthy access-log lines over the last 4 hours in the gateway group, so the incident is one part of many."""
    rng = random.Random(11)
    span = 4 * 3600 * 1000
    routes = ("/products", "/cart", "/search", "/account", "/orders")
    return [
        (
            GATEWAY,
            f"extra-{i % 6}",
            now_ms - span + (i * span) // count,
            json.dumps({"requestId": f"{rng.getrandbits(64):016x}", "httpMethod": "GET", "resourcePath": rng.choice(routes),
                        "status": 200, "responseLatency": rng.randrange(5, 400)}),
        )
        for i in range(count)
    ]


def one_run(extra: int) -> dict[str, Any]:
    from typer.testing import CliRunner

    from logai.cli import app

    server = SandboxServer(SandboxConfig(realistic=True))
    server.start()
    server.reset()  # moto keeps one store per process: empty it of the previous run
    now_ms = int(time.time() * 1000)
    data = get_incident("pool-shrink").generate(now_ms)
    server.seed(data)
    total_events = data.events.__len__() + server.app.store.seed(server.region, extra_traffic(extra, now_ms))
    llm = ScriptedLLMServer()
    llm.start()
    searches = {
        CHECKOUT: ("Task timed out",),
        PAYMENTS: ("Connection is not available",),
    }
    llm.enqueue(
        tool_calls(*(call("search_logs", {"log_groups": [g], "all_words": list(w), "start": "3h"}) for g, w in searches.items())),
        text("Payments' pool shrank; checkout times out."),
    )
    environment = {
        **server.environment(),
        "LOGAI_MODEL": "openai/scripted",
        "LOGAI_API_BASE": llm.url,
        "LOGAI_API_KEY": "sk-bench",
        "LOGAI_TOOL_RESULT_TOKENS": str(BUDGET),
        "LOGAI_HOME": str(Path(os.environ.get("TMPDIR", "/tmp")) / "logai-bench-home"),
    }
    saved = {k: os.environ.get(k) for k in environment}
    os.environ.update(environment)
    try:
        server.operations.clear()
        started = time.perf_counter()
        result = CliRunner().invoke(app, ["query", "--json", "--stats", "why is checkout failing?"], catch_exceptions=False)
        wall = time.perf_counter() - started
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        llm.stop()
        server.stop()
    payload = json.loads(result.stdout)
    tool_texts = [m["content"] for m in llm.requests[1].body["messages"] if m["role"] == "tool"]
    from logai.logs.shaping import estimate_tokens

    checks = []
    from datetime import datetime

    for (group, words), body in zip(searches.items(), tool_texts, strict=True):
        # The range the tool searched, as it states it (the CLI's "now" is a moment after the bench's).
        found = re.search(r"from (\S+) to (\S+) \(", body)
        assert found is not None, body[:200]
        start, end = (int(datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000) for t in found.groups())
        matched = [
            e.timestamp_ms
            for e in data.events
            if e.group == group and start <= e.timestamp_ms <= end and all(w in e.message for w in words)
        ]
        onset = time.strftime("%H:%M", time.gmtime(min(matched) / 1000))
        checks.append(
            {
                "group": group,
                "exact_count": f"Matches: {len(matched):,} (exact)" in body,

                "onset_minute": re.search(rf"First match {onset}:\d\d", body) is not None,
                "tokens": estimate_tokens(body),
                "error": body.startswith("Error:"),

            }
        )
    scanned = sum(c["value"] for c in payload["metrics"]["counters"] if c["name"] == "cloudwatch_bytes_scanned")
    return {
        "events": total_events,
        "wall_s": wall,
        "calls": dict(server.operations.calls),
        "throttled": dict(server.operations.throttled),
        "bytes_scanned": scanned,
        "checks": checks,
        "answered": payload["stop_reason"] == "answered",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=int, default=60_000, help="healthy events added to the incident's")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args.extra) for _ in range(args.repeat)]
    last = runs[-1]
    reads = sum(last["calls"].values())
    print(f"{last['events']:,} events in 5 groups; realistic sandbox (quotas, 30 ms a request, query run times)")
    print(f"wall time: median {statistics.median(r['wall_s'] for r in runs):.2f} s over {len(runs)} runs")
    print(f"CloudWatch calls: {reads} ({', '.join(f'{k} {v}' for k, v in sorted(last['calls'].items()))})")
    print(f"throttled by the sandbox: {sum(last['throttled'].values())}; reached the model: {sum(c['error'] for c in last['checks'])}")
    print(f"bytes scanned: {last['bytes_scanned'] / 1024**2:.1f} MB")
    for check in last["checks"]:
        print(
            f"  {check['group']}: {check['tokens']} tokens (budget {BUDGET}); exact count stated: {check['exact_count']}; "
            f"onset minute stated: {check['onset_minute']}"
        )
    ok = (
        reads <= 30
        and not any(c["error"] for r in runs for c in r["checks"])
        and all(c["exact_count"] and c["onset_minute"] and c["tokens"] <= BUDGET for r in runs for c in r["checks"])
    )
    print("targets met" if ok else "TARGETS MISSED")


if __name__ == "__main__":
    main()
