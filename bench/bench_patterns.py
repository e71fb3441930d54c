"""Measure logai's template miner against the loghub labels, beside drain3, and its speed and memory.

    .venv/bin/pip install -e '.[bench]'                  # drain3, the yardstick
    .venv/bin/python bench/bench_patterns.py             # per-system GA/FGA/PA, lines/s, header variants
    .venv/bin/python bench/bench_patterns.py --loo       # leave-one-out: parameters fitted on nine systems
    .venv/bin/python bench/bench_patterns.py --memory    # peak RSS over 5M lines, streamed, in a subprocess
    .venv/bin/python bench/bench_patterns.py --tokens    # estimate_tokens against real tokenizers

Every miner reads the raw `.log` lines, header and all, as `logai patterns`
does. Three miners run side by side: logai's, drain3 0.9.11 with its
defaults (no masks, similarity 0.4, depth 4), and drain3 with logai's masks
(`logai.logs.patterns.masks.mask` as its one masking instruction).

Scores, against the corrected labels (Khan et al., ICSE 2022; lines grouped
by corrected template, see `tests/loghub.py`), and GA against loghub's
original EventIds for continuity:

- GA: the share of lines whose group is exactly the set of lines sharing their label;
- FGA: F1 over groups (a group is right when it is exactly one label's lines);
- PA: the share of lines whose template text equals the corrected template
  (single spaces, adjacent `<*>` read as one).

Data: loghub (Zhu et al., ISSRE 2023), see ../shared/data/loghub/LICENSE.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from header_variants import HELD_OUT_STYLES, STYLES, rewrite  # noqa: E402

from logai.logs.patterns import PatternMiner  # noqa: E402
from logai.logs.patterns.masks import mask  # noqa: E402
from tests.loghub import (  # noqa: E402
    SYSTEMS,
    System,
    f1_grouping_accuracy,
    grouping_accuracy,
    load_system,
    parsing_accuracy,
)

# What --loo fits, on nine systems at a time.
GRID = {"variable_after": (2, 3, 4, 5, 6, 7, 8), "sample_size": (16, 32, 128)}
MEMORY_LINES = 5_000_000


@dataclass(frozen=True)
class Run:
    """One miner over one system's lines: the group and template text of each line, and the time taken."""

    groups: list[int]
    templates: list[str]
    seconds: float


def run_logai(lines: Sequence[str], **params: int) -> Run:
    started = time.process_time()
    miner = PatternMiner(**params)  # type: ignore[arg-type]
    added = [miner.add(line) for line in lines]
    found = miner.templates()
    groups = [miner.resolve(template_id) for template_id in added]
    seconds = time.process_time() - started
    text = {template.id: template.template for template in found}
    return Run(groups, [text[group] for group in groups], seconds)


def run_drain3(lines: Sequence[str], *, with_masks: bool) -> Run:
    from drain3 import TemplateMiner
    from drain3.masking import AbstractMaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    class LogaiMasks(AbstractMaskingInstruction):
        def __init__(self) -> None:
            super().__init__("*")

        def mask(self, content: str, mask_prefix: str, mask_suffix: str) -> str:
            return mask(content)

    config = TemplateMinerConfig()  # drain3's defaults, built in code so no drain3.ini is read
    config.snapshot_interval_minutes = 0
    if with_masks:
        config.masking_instructions = [LogaiMasks()]
    started = time.process_time()
    miner = TemplateMiner(config=config)
    groups = [miner.add_log_message(line)["cluster_id"] for line in lines]
    text = {cluster.cluster_id: cluster.get_template() for cluster in miner.drain.clusters}
    seconds = time.process_time() - started
    return Run(groups, [text[group] for group in groups], seconds)


MINERS: dict[str, Callable[[Sequence[str]], Run]] = {
    "logai": run_logai,
    "drain3": lambda lines: run_drain3(lines, with_masks=False),
    "drain3+masks": lambda lines: run_drain3(lines, with_masks=True),
}


def scores(run: Run, system: System) -> tuple[float, float, float, float]:
    """GA, FGA, PA against the corrected labels, and GA against the original ones."""
    return (
        grouping_accuracy(run.groups, system.corrected),
        f1_grouping_accuracy(run.groups, system.corrected),
        parsing_accuracy(run.templates, system.corrected),
        grouping_accuracy(run.groups, system.original),
    )


def accuracy_and_speed(systems: list[System], repeats: int) -> None:
    print("Accuracy on raw lines (corrected labels: GA FGA PA; original labels: oGA)")
    head = "".join(f" | {name:^27}" for name in MINERS)
    print(f"{'system':<12}{head}")
    print(f"{'':<12}" + " | GA    FGA   PA    oGA  " * len(MINERS))
    seconds = {name: [float("inf")] * len(systems) for name in MINERS}
    table: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in MINERS}
    for index, system in enumerate(systems):
        row = f"{system.name:<12}"
        for name, miner in MINERS.items():
            run = miner(system.raw)
            seconds[name][index] = run.seconds
            table[name].append(scores(run, system))
            row += " | " + " ".join(f"{value:.3f}" for value in table[name][-1])
        print(row)
    mean = f"{'mean':<12}"
    for name in MINERS:
        mean += " | " + " ".join(f"{sum(column) / len(column):.3f}" for column in zip(*table[name]))
    print(mean)
    # Speed: the three miners take turns over the same lines; the best of `repeats` rounds counts.
    for _ in range(repeats - 1):
        for index, system in enumerate(systems):
            for name, miner in MINERS.items():
                seconds[name][index] = min(seconds[name][index], miner(system.raw).seconds)
    total_lines = sum(len(system.raw) for system in systems)
    rate = {name: total_lines / sum(seconds[name]) for name in MINERS}
    print(f"\nThroughput, CPU time, one miner per system, best of {repeats} rounds taken in turns")
    for name in MINERS:
        print(f"{name:<14} {rate[name]:>10,.0f} lines/s   logai is {rate['logai'] / rate[name]:.2f}x this")


def header_variants(systems: list[System]) -> None:
    print("\nHeader variants: the labelled messages under other header styles (logai, GA against corrected labels)")
    names = " ".join(f"{system.name[:7]:>7}" for system in systems)
    print(f"{'style':<18} {names}   mean")
    content = [grouping_accuracy(run_logai(system.content, strip_headers=False).groups, system.corrected) for system in systems]
    print(f"{'(message only)':<18} " + " ".join(f"{value:>7.3f}" for value in content) + f"  {sum(content) / len(content):.3f}")
    for group, styles in (("used in development", STYLES), ("held out", HELD_OUT_STYLES)):
        print(f"-- {group}")
        means = []
        for style in styles:
            values = [
                grouping_accuracy(run_logai(rewrite(system.rows, style)).groups, system.corrected) for system in systems
            ]
            means.append(sum(values) / len(values))
            print(f"{style:<18} " + " ".join(f"{value:>7.3f}" for value in values) + f"  {means[-1]:.3f}")
        print(f"{'mean of group':<18} {'':>{8 * len(systems) - 1}}  {sum(means) / len(means):.3f}")


def leave_one_out(systems: list[System]) -> None:
    """Fit the grid's parameters on nine systems by mean GA, score the tenth with them."""
    points = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    print(f"Scoring {len(points)} parameter points on {len(systems)} systems…", flush=True)
    ga: list[list[float]] = []  # [point][system]
    runs: dict[tuple[int, int], Run] = {}
    for point_index, point in enumerate(points):
        ga.append([])
        for system_index, system in enumerate(systems):
            run = run_logai(system.raw, **point)
            runs[point_index, system_index] = run
            ga[-1].append(grouping_accuracy(run.groups, system.corrected))
    defaults = run_logai  # the defaults, fitted on all ten
    print("\nLeave-one-out (fit on the other nine by mean GA; corrected labels) beside the defaults")
    print(f"{'held out':<12} {'fitted on nine':<32} {'GA':>6} {'FGA':>6} {'PA':>6} {'oGA':>6} | defaults GA FGA PA oGA")
    loo_rows, default_rows = [], []
    for held, system in enumerate(systems):
        others = [index for index in range(len(systems)) if index != held]
        best = max(range(len(points)), key=lambda p: (sum(ga[p][index] for index in others), -p))
        loo_rows.append(scores(runs[best, held], system))
        default_rows.append(scores(defaults(system.raw), system))
        fitted = ", ".join(f"{key}={value}" for key, value in points[best].items())
        print(
            f"{system.name:<12} {fitted:<32} "
            + " ".join(f"{value:>6.3f}" for value in loo_rows[-1])
            + " | "
            + " ".join(f"{value:.3f}" for value in default_rows[-1])
        )
    print(
        f"{'mean':<12} {'':<32} "
        + " ".join(f"{sum(column) / len(column):>6.3f}" for column in zip(*loo_rows))
        + " | "
        + " ".join(f"{sum(column) / len(column):.3f}" for column in zip(*default_rows))
    )
    best_all = max(range(len(points)), key=lambda p: (sum(ga[p]), -p))
    print(f"\nBest on all ten: {points[best_all]} (mean GA {sum(ga[best_all]) / len(systems):.3f})")


def _repeated_lines(systems: list[System], total: int) -> Iterator[str]:
    lines = [line for system in systems for line in system.raw]
    for index in range(total):
        yield lines[index % len(lines)]


def memory_child(total: int) -> None:
    """In a fresh process: stream `total` lines (the ten systems, repeated) through one miner."""
    systems = [load_system(name) for name in SYSTEMS]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    miner = PatternMiner()
    for line in _repeated_lines(systems, total):
        miner.add(line)
    found = miner.templates()
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        f"{total:,} lines in {elapsed:.0f} s ({total / elapsed:,.0f} lines/s), {len(found):,} templates; "
        f"peak RSS {peak / 1024:.0f} MB (the process held {before / 1024:.0f} MB with the data loaded, before mining)"
    )


def memory(total: int) -> None:
    print(f"Streaming {total:,} lines (the ten systems, repeated) through one PatternMiner in a subprocess…", flush=True)
    subprocess.run([sys.executable, __file__, "--memory-child", str(total)], check=True)


def token_estimate_error(systems: list[System]) -> None:
    """Compare `estimate_tokens` with real tokenizers, read offline from the files litellm ships."""
    import importlib.util
    import os

    from logai.logs.shaping import estimate_tokens

    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        print("litellm is not installed: no tokenizer files to compare with")
        return
    cache = Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(cache))
    import tiktoken
    from tokenizers import Tokenizer

    anthropic = Tokenizer.from_file(str(cache / "anthropic_tokenizer.json"))
    encoders: dict[str, Callable[[str], Sequence[int]]] = {
        "cl100k_base": tiktoken.get_encoding("cl100k_base").encode,
        "o200k_base": tiktoken.get_encoding("o200k_base").encode,
        "anthropic": lambda text: anthropic.encode(text).ids,
    }
    print(f"\n{'system':<12} {'tokenizer':<12} {'real':>8} {'estimate':>9} {'ratio':>6} {'lines under':>12}")
    for name, encode in encoders.items():
        for system in systems:
            real = [len(encode(line)) for line in system.raw]
            estimated = [estimate_tokens(line) for line in system.raw]
            under = sum(1 for r, e in zip(real, estimated) if e < r)
            print(
                f"{system.name:<12} {name:<12} {sum(real):>8} {sum(estimated):>9} "
                f"{sum(estimated) / sum(real):>6.2f} {under / len(real):>12.1%}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--loo", action="store_true", help="leave-one-out: fit the parameters on nine systems, score the tenth")
    mode.add_argument("--memory", action="store_true", help=f"peak RSS over {MEMORY_LINES:,} lines, in a subprocess")
    mode.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    mode.add_argument("--tokens", action="store_true", help="compare estimate_tokens with real tokenizers")
    parser.add_argument("--repeats", type=int, default=3, help="rounds for the throughput figures (default 3)")
    parser.add_argument("--lines", type=int, default=MEMORY_LINES, help="lines for --memory")
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    if args.memory:
        memory(args.lines)
        return
    systems = [load_system(name) for name in SYSTEMS]
    if args.tokens:
        token_estimate_error(systems)
    elif args.loo:
        leave_one_out(systems)
    else:
        accuracy_and_speed(systems, args.repeats)
        header_variants(systems)


if __name__ == "__main__":
    main()
