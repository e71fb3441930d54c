"""Where the loghub samples are (real labelled logs; see LICENSE inside), how to load them, how to score a miner.

Loghub: Jieming Zhu, Shilin He, Pinjia He, Jinyang Liu, Michael R. Lyu. "Loghub: A Large
Collection of System Log Datasets for AI-driven Log Analytics". ISSRE 2023.
https://github.com/logpai/loghub

Corrected labels: Khan et al., "Guidelines for Assessing the Accuracy of Log Message
Template Identification Techniques", ICSE 2022 (each folder's `*_corrected.csv`).
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
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
        if (candidate / "HDFS" / "HDFS_2k.log_structured_corrected.csv").is_file():
            return candidate
    unpacked = REPO / "tests" / ".loghub"
    if not unpacked.is_dir():
        # Test workers start together: each extracts into a folder of its own and renames it into
        # place, so none lists a copy another is still writing.
        import shutil
        import tarfile
        import tempfile

        staging = Path(tempfile.mkdtemp(prefix=".loghub-", dir=REPO / "tests"))
        with tarfile.open(REPO / "tests" / "data" / "loghub.tar.xz") as archive:
            archive.extractall(staging, filter="data")
        try:
            staging.rename(unpacked)
        except OSError:  # another worker's copy is in place
            shutil.rmtree(staging, ignore_errors=True)
    return unpacked / "loghub"


LOGHUB = _find_loghub()
SYSTEMS = sorted(path.name for path in LOGHUB.iterdir() if path.is_dir())


@dataclass(frozen=True)
class System:
    """One loghub system: raw lines and, per line, its labelled message, event and template."""

    name: str
    raw: list[str]
    content: list[str]  # the message part, as the corrected labels cut it
    rows: list[dict[str, str]]  # the corrected structured rows (header fields, Content, EventTemplate)
    original: list[str]  # EventId in loghub's original labels
    corrected: list[str]  # the corrected EventTemplate (see `load_system`)


def load_system(name: str, root: Path = LOGHUB) -> System:
    """The raw lines and labels of one system.

    The corrected labels group lines by their corrected template text, not by
    EventId: the corrected structured file keeps some original EventIds apart
    although they share one corrected template (Linux E17, E18 and E19, which
    its templates file lists once, as E18).
    """
    folder = root / name
    raw = (folder / f"{name}_2k.log").read_text(encoding="utf-8", errors="replace").splitlines()
    with open(folder / f"{name}_2k.log_structured.csv", encoding="utf-8", newline="") as handle:
        original = [row["EventId"] for row in csv.DictReader(handle)]
    with open(folder / f"{name}_2k.log_structured_corrected.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not len(raw) == len(original) == len(rows):
        raise ValueError(f"{name}: {len(raw)} raw lines, {len(original)} and {len(rows)} labelled rows")
    return System(name, raw, [row["Content"] for row in rows], rows, original, [row["EventTemplate"] for row in rows])


def grouping_accuracy(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """Loghub's grouping accuracy (GA): the share of lines whose predicted group is
    exactly the set of lines sharing their label."""
    sizes = Counter(truth)
    members: dict[Hashable, list[int]] = defaultdict(list)
    for index, group in enumerate(predicted):
        members[group].append(index)
    right = 0
    for indexes in members.values():
        labels = {truth[index] for index in indexes}
        if len(labels) == 1 and sizes[labels.pop()] == len(indexes):
            right += len(indexes)
    return right / len(truth) if truth else 1.0


def f1_grouping_accuracy(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """FGA (Jiang et al., loghub-2.0): F1 of groups, a predicted group counting as right
    when its lines are exactly the lines of one label."""
    members: dict[Hashable, set[int]] = defaultdict(set)
    true_members: dict[Hashable, set[int]] = defaultdict(set)
    for index, (group, label) in enumerate(zip(predicted, truth)):
        members[group].add(index)
        true_members[label].add(index)
    true_groups = {frozenset(indexes) for indexes in true_members.values()}
    right = sum(1 for indexes in members.values() if frozenset(indexes) in true_groups)
    if not right:
        return 0.0
    precision, recall = right / len(members), right / len(true_members)
    return 2 * precision * recall / (precision + recall)


_SPACES = re.compile(r"\s+")
_VARIABLE_RUN = re.compile(r"<\*>(?:\s*<\*>)*")


def normalise_template(template: str) -> str:
    """A template compared for PA: single spaces, and a run of adjacent `<*>` read as one."""
    return _VARIABLE_RUN.sub("<*>", _SPACES.sub(" ", template.strip()))


def parsing_accuracy(predicted: Sequence[str], truth: Sequence[str]) -> float:
    """PA: the share of lines whose template is exactly the labelled one (after `normalise_template`)."""
    right = sum(1 for mine, theirs in zip(predicted, truth) if normalise_template(mine) == normalise_template(theirs))
    return right / len(truth) if truth else 1.0
