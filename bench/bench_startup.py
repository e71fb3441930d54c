"""Start-up time of logai commands, as a user feels it.

Runs each command several times in a fresh interpreter and prints the median
wall time, and each as a ratio of the bare interpreter and of `import litellm`
(what every command would pay if the model layer were imported eagerly).

    .venv/bin/python bench/bench_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from tests.loghub import LOGHUB  # noqa: E402


def timed(argv: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="logai-bench-")
    sample = LOGHUB / "HDFS" / "HDFS_2k.log"
    env = {**os.environ, "LOGAI_HOME": home, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1"}
    py = sys.executable
    cases = {
        "python -c pass": [py, "-c", "pass"],
        "import boto3": [py, "-c", "import boto3"],
        "import litellm": [py, "-c", "import litellm"],
        "logai --help": [py, "-m", "logai", "--help"],
        "logai config": [py, "-m", "logai", "config"],
        "logai metrics": [py, "-m", "logai", "metrics"],
    }
    if sample.exists():
        cases["logai patterns HDFS_2k.log"] = [py, "-m", "logai", "patterns", str(sample)]
    results = {name: timed(argv, env, args.runs) for name, argv in cases.items()}
    base, litellm = results["python -c pass"], results["import litellm"]
    print(f"{'command':32} {'median s':>9} {'x python':>9} {'/ litellm':>10}")
    for name, seconds in results.items():
        print(f"{name:32} {seconds:9.3f} {seconds / base:9.1f} {seconds / litellm:10.2f}")


if __name__ == "__main__":
    main()
