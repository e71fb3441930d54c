"""Where the loghub samples are (real labelled logs; see LICENSE inside).

Loghub: Jieming Zhu, Shilin He, Pinjia He, Jinyang Liu, Michael R. Lyu. "Loghub: A Large
Collection of System Log Datasets for AI-driven Log Analytics". ISSRE 2023.
https://github.com/logpai/loghub
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _find_loghub() -> Path:
    """The loghub samples: $LOGHUB_DIR, a `shared/data/loghub` beside an enclosing folder,
    or the copy packed in tests/data (extracted inside the clone), so a clean clone anywhere runs."""
    named = os.environ.get("LOGHUB_DIR")
    if named:
        return Path(named)
    for folder in REPO.parents:
        candidate = folder / "shared" / "data" / "loghub"
        if (candidate / "HDFS" / "HDFS_2k.log").is_file():
            return candidate
    unpacked = REPO / "tests" / ".loghub"
    if not (unpacked / "loghub" / "HDFS" / "HDFS_2k.log").is_file():
        import tarfile

        with tarfile.open(REPO / "tests" / "data" / "loghub.tar.xz") as archive:
            archive.extractall(unpacked, filter="data")
    return unpacked / "loghub"


LOGHUB = _find_loghub()


def grouping_accuracy(predicted: Sequence[int], truth: Sequence[str]) -> float:
    """Loghub's grouping accuracy: the share of lines whose predicted group is
    exactly the set of lines sharing their labelled EventId."""
    sizes = Counter(truth)
    members: dict[int, list[int]] = defaultdict(list)
    for index, group in enumerate(predicted):
        members[group].append(index)
    right = 0
    for indexes in members.values():
        labels = {truth[index] for index in indexes}
        if len(labels) == 1 and sizes[labels.pop()] == len(indexes):
            right += len(indexes)
    return right / len(truth) if truth else 1.0
