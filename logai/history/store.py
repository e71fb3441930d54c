"""Reading kept transcripts: list them, find one by id (or a unique prefix), drop old ones."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Under LOGAI_HOME; one `<id>.jsonl` per session.
SESSIONS_DIR = "sessions"
DAY_SECONDS = 86_400


class HistoryError(Exception):
    """An id that matches no session, or several; the message says which."""


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """What `logai history` lists for one session."""

    id: str
    command: str
    model: str | None
    started: float
    questions: int
    first_question: str
    tokens: int
    cost_usd: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "command": self.command,
            "model": self.model,
            "started": self.started,
            "questions": self.questions,
            "first_question": self.first_question,
            "tokens": self.tokens,
            "cost_usd": self.cost_usd,
        }


def sessions_dir(home: Path) -> Path:
    return home / SESSIONS_DIR


def read_records(path: Path) -> list[dict[str, Any]]:
    """A transcript's records; a line cut short by a crash is skipped."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def summarise(records: list[dict[str, Any]], fallback_id: str) -> SessionSummary:
    header = next((r for r in records if r.get("type") == "session"), {})
    questions = [r for r in records if r.get("type") == "question"]
    answers = [r for r in records if r.get("type") == "answer"]
    tokens = sum(int(a.get("usage", {}).get("prompt_tokens", 0)) + int(a.get("usage", {}).get("completion_tokens", 0)) for a in answers)
    costs = [a["usage"]["cost_usd"] for a in answers if isinstance(a.get("usage", {}).get("cost_usd"), int | float) and a["usage"]["cost_usd"] > 0]
    return SessionSummary(
        id=str(header.get("id", fallback_id)),
        command=str(header.get("command", "?")),
        model=header.get("model"),
        started=float(header.get("at", 0.0)),
        questions=len(questions),
        first_question=str(questions[0].get("text", "")) if questions else "",
        tokens=tokens,
        cost_usd=sum(costs) if costs else None,
    )


def list_sessions(home: Path, limit: int | None = None) -> list[SessionSummary]:
    """The kept sessions, newest first."""
    folder = sessions_dir(home)
    if not folder.is_dir():
        return []
    paths = _newest_first(folder)[:limit]
    return [summarise(read_records(path), path.stem) for path in paths]


def _newest_first(folder: Path) -> list[Path]:
    """Transcripts by when they were last written, newest first (ids sort by start only to the second)."""

    def written(path: Path) -> tuple[int, str]:
        try:
            return path.stat().st_mtime_ns, path.stem
        except OSError:
            return 0, path.stem

    return sorted(folder.glob("*.jsonl"), key=written, reverse=True)


def find_session(home: Path, wanted: str) -> Path:
    """The transcript whose id is `wanted` or starts with it (`last` is the newest)."""
    folder = sessions_dir(home)
    paths = _newest_first(folder) if folder.is_dir() else []
    if wanted == "last" and paths:
        return paths[0]
    matches = [path for path in paths if path.stem.startswith(wanted)]
    if not matches:
        raise HistoryError(f"no kept session has the id {wanted!r}")
    if len(matches) > 1 and not any(path.stem == wanted for path in matches):
        raise HistoryError(f"{len(matches)} sessions start with {wanted!r}: {', '.join(p.stem for p in matches[:5])}")
    return next((path for path in matches if path.stem == wanted), matches[0])


def prune(home: Path, *, keep_days: int, now: float) -> int:
    """Delete transcripts last written more than `keep_days` ago (0 keeps them all); how many went."""
    folder = sessions_dir(home)
    if keep_days <= 0 or not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob("*.jsonl"):
        try:
            if now - path.stat().st_mtime > keep_days * DAY_SECONDS:
                path.unlink()
                removed += 1
        except OSError:
            continue  # another session pruned it first, or it is not ours to delete
    return removed
