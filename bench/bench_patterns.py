"""Measure the pattern miner against the loghub labels, and the token estimate against real tokenizers.

    .venv/bin/python bench/bench_patterns.py                 # table with the default settings
    .venv/bin/python bench/bench_patterns.py --sweep         # average accuracy over a parameter grid
    .venv/bin/python bench/bench_patterns.py --similarity 0.4 --depth 4

Grouping accuracy (loghub's definition): a line counts as right when the set
of lines the miner grouped with it is exactly the set of lines that share its
labelled EventId. "content" mines the labelled Content column (the miner
alone); "raw" mines the original `.log` lines (header stripping + miner, what
`logai patterns` sees).

Data: loghub (Zhu et al., "Loghub: A Large Collection of System Log Datasets
for AI-driven Log Analytics", ISSRE 2023), see ../shared/data/loghub/LICENSE.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from logai.logs.patterns import PatternMiner  # noqa: E402

from tests.loghub import LOGHUB, grouping_accuracy  # noqa: E402


@dataclass(frozen=True)
class System:
    name: str
    raw: list[str]
    content: list[str]
    labels: list[str]


def load_system(name: str, root: Path = LOGHUB) -> System:
    """The raw lines, labelled contents and EventIds of one loghub system."""
    folder = root / name
    raw = (folder / f"{name}_2k.log").read_text(encoding="utf-8", errors="replace").splitlines()
    with open(folder / f"{name}_2k.log_structured.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if len(raw) != len(rows):
        raise SystemExit(f"{name}: {len(raw)} raw lines but {len(rows)} labelled rows")
    return System(name, raw, [row["Content"] for row in rows], [row["EventId"] for row in rows])


def system_names(root: Path = LOGHUB) -> list[str]:
    return sorted(path.name for path in root.iterdir() if path.is_dir())


def run(lines: Sequence[str], **params: object) -> tuple[list[int], int, float]:
    """Template id per line, number of templates, seconds taken."""
    miner = PatternMiner(**params)  # type: ignore[arg-type]
    started = time.perf_counter()
    ids = [miner.add(line) for line in lines]
    elapsed = time.perf_counter() - started
    return ids, len(miner.templates()), elapsed


def table(systems: list[System], **params: object) -> tuple[float, float]:
    print(f"{'system':<12} {'lines':>6} {'found':>6} {'true':>5} {'acc content':>12} {'acc raw':>8} {'lines/s raw':>12}")
    content_scores, raw_scores = [], []
    for system in systems:
        content_ids, _, _ = run(system.content, strip_headers=False, **params)
        raw_ids, found, elapsed = run(system.raw, **params)
        content_acc = grouping_accuracy(content_ids, system.labels)
        raw_acc = grouping_accuracy(raw_ids, system.labels)
        content_scores.append(content_acc)
        raw_scores.append(raw_acc)
        print(
            f"{system.name:<12} {len(system.raw):>6} {found:>6} {len(set(system.labels)):>5} "
            f"{content_acc:>12.3f} {raw_acc:>8.3f} {len(system.raw) / elapsed:>12,.0f}"
        )
    mean_content = sum(content_scores) / len(content_scores)
    mean_raw = sum(raw_scores) / len(raw_scores)
    print(f"{'average':<12} {'':>6} {'':>6} {'':>5} {mean_content:>12.3f} {mean_raw:>8.3f}")
    return mean_content, mean_raw


def sweep(systems: list[System]) -> None:
    print(f"{'similarity':>10} {'depth':>5} {'content':>8} {'raw':>8}")
    for similarity, depth in itertools.product((0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8), (4, 5, 6)):
        content = [grouping_accuracy(run(s.content, strip_headers=False, similarity=similarity, depth=depth)[0], s.labels) for s in systems]
        raw = [grouping_accuracy(run(s.raw, similarity=similarity, depth=depth)[0], s.labels) for s in systems]
        print(f"{similarity:>10.2f} {depth:>5} {sum(content) / len(content):>8.3f} {sum(raw) / len(raw):>8.3f}")


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
    encoders = {
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
    parser.add_argument("--similarity", type=float, default=None)
    parser.add_argument("--depth", type=int, default=None)
    parser.add_argument("--sweep", action="store_true", help="average accuracy over a parameter grid")
    parser.add_argument("--tokens", action="store_true", help="also compare estimate_tokens with real tokenizers")
    args = parser.parse_args()
    systems = [load_system(name) for name in system_names()]
    if args.sweep:
        sweep(systems)
        return
    params = {key: value for key, value in (("similarity", args.similarity), ("depth", args.depth)) if value is not None}
    table(systems, **params)
    if args.tokens:
        token_estimate_error(systems)


if __name__ == "__main__":
    main()
