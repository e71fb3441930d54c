"""Start-up and answer times of logai, side by side with what people compare it to.

Three tables, each measured in one run with the cases interleaved (so a
busy machine slows every case alike), medians of `--runs` (at least 5):

1. start-up: `logai --help` and the light commands against `awslogs --help`
   (awslogs is installed into bench/.venv on first use, never into logai's
   own environment);
2. a one-shot `logai query`, answered by an instant scripted model with no
   tool call and AWS pointing at a running sandbox, against
   `python -c "import litellm"`; both are whole processes;
3. first byte to screen: from the scripted model sending its first chunk to
   the answer's first character on a terminal (`logai chat` on a pty), for
   the first answer of a session and the second.

    .venv/bin/python bench/bench_startup.py [--runs 7] [--skip-query] [--skip-first-byte]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from tests.llm_server import ScriptedLLMServer, held, text  # noqa: E402

AWSLOGS_VENV = ROOT / "bench" / ".venv"
AWSLOGS = "awslogs==0.15.0"


def awslogs() -> Path:
    """bench/.venv/bin/awslogs, installed on first use."""
    binary = AWSLOGS_VENV / "bin" / "awslogs"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(AWSLOGS_VENV)], check=True)
        subprocess.run([str(AWSLOGS_VENV / "bin" / "pip"), "install", "-q", AWSLOGS], check=True)
    return binary


def interleaved(cases: dict[str, Callable[[], float]], runs: int) -> dict[str, float]:
    """Median seconds of each case, the cases taking turns run after run."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, case in cases.items():
            samples[name].append(case())
    return {name: statistics.median(values) for name, values in samples.items()}


def process(argv: list[str], env: dict[str, str]) -> Callable[[], float]:
    def run() -> float:
        began = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        return time.perf_counter() - began

    return run


def table(title: str, results: dict[str, float], base: str, unit: str = "s") -> None:
    print(f"\n{title}")
    print(f"{'case':44} {'median ' + unit:>11} {'/ ' + base:>24}")
    scale = 1000 if unit == "ms" else 1
    for name, seconds in results.items():
        print(f"{name:44} {seconds * scale:11.3f} {seconds / results[base]:24.2f}")


def startup(env: dict[str, str], runs: int) -> None:
    py = sys.executable
    cases = {
        "awslogs --help": process([str(awslogs()), "--help"], env),
        "logai --help": process([py, "-m", "logai", "--help"], env),
        "logai logs --help": process([py, "-m", "logai", "logs", "--help"], env),
        "logai metrics": process([py, "-m", "logai", "metrics"], env),
        "logai history": process([py, "-m", "logai", "history"], env),
        "logai config": process([py, "-m", "logai", "config"], env),
    }
    table("start-up (targets: --help <= 0.5, light commands <= 0.6)", interleaved(cases, runs), "awslogs --help")


def one_shot_query(env: dict[str, str], runs: int, model: ScriptedLLMServer) -> None:
    from logai.sandbox.server import SandboxServer

    sandbox = SandboxServer()
    sandbox.start()
    try:
        query_env = {
            **env,
            "LOGAI_MODEL": "openai/scripted",
            "LOGAI_API_BASE": model.url,
            "LOGAI_API_KEY": "sk-bench",
            "AWS_ENDPOINT_URL": sandbox.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        ask = process([sys.executable, "-m", "logai", "query", "is anything wrong?"], query_env)

        def answered() -> float:
            model.enqueue(text("All quiet."))
            return ask()

        cases = {
            'python -c "import litellm"': process([sys.executable, "-c", "import litellm"], env),
            "logai query (instant model, no tool call)": answered,
        }
        table("one-shot query (target <= 1.15)", interleaved(cases, runs), 'python -c "import litellm"')
    finally:
        sandbox.stop()


class Terminal:
    """`logai chat` on a pseudo-terminal."""

    def __init__(self, env: dict[str, str]) -> None:
        self.controller, terminal = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "logai", "chat"], stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True
        )
        os.close(terminal)
        self.seen = b""

    def wait_for(self, needle: bytes, timeout: float = 60.0) -> float:
        """Read until `needle` shows; the perf_counter time it was read."""
        deadline = time.perf_counter() + timeout
        while needle not in self.seen:
            ready, _, _ = select.select([self.controller], [], [], max(0.0, deadline - time.perf_counter()))
            if not ready:
                raise TimeoutError(f"{needle!r} not seen")
            self.seen += os.read(self.controller, 65536)
        return time.perf_counter()

    def send(self, data: bytes) -> None:
        os.write(self.controller, data)

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self.controller)


def first_byte(env: dict[str, str], runs: int, model: ScriptedLLMServer) -> None:
    chat_env = {
        **env,
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "LOGAI_MODEL": "openai/scripted",
        "LOGAI_API_BASE": model.url,
        "LOGAI_API_KEY": "sk-bench",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # no tool is called: nothing reaches it
    }
    samples: dict[str, list[float]] = {"first answer of a chat": [], "second answer": []}
    for _ in range(runs):
        term = Terminal(chat_env)
        try:
            for label, answer in (("first answer of a chat", b"Zebra"), ("second answer", b"Quokka")):
                model.reset()  # a release lets every later held reply through: hold afresh
                model.enqueue(held(text(f"{answer.decode()} says hello.")))
                term.wait_for(b"logai>")
                term.seen = b""
                term.send(b"go\r")
                model.wait_for_requests(1)
                time.sleep(0.2)  # let the request settle; the clock starts at the release
                released = time.perf_counter()
                model.release()
                samples[label].append(term.wait_for(answer) - released)
        finally:
            term.close()
    results = {name: statistics.median(values) for name, values in samples.items()}
    table("first byte to screen (target < 30 ms)", results, "second answer", unit="ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-query", action="store_true")
    parser.add_argument("--skip-first-byte", action="store_true")
    args = parser.parse_args()
    runs = max(args.runs, 5)
    home = tempfile.mkdtemp(prefix="logai-bench-")
    env = {**os.environ, "LOGAI_HOME": home, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1"}
    startup(env, runs)
    if args.skip_query and args.skip_first_byte:
        return
    model = ScriptedLLMServer()
    model.start()
    try:
        if not args.skip_query:
            one_shot_query(env, runs, model)
        if not args.skip_first_byte:
            first_byte(env, runs, model)
    finally:
        model.stop()


if __name__ == "__main__":
    main()
