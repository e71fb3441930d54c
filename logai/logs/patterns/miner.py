"""The streaming miner: header, masks, patterns and merges behind `add` and `templates`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .header import HeaderModel
from .masks import mask
from .merging import Merger
from .store import Event, Pattern, TemplateStore

__all__ = ["PatternMiner", "Template", "mine"]

# A message is grouped by its first this many characters and tokens: one huge line
# must not cost a huge pattern.
_MAX_CHARS = 4000
_MAX_TOKENS = 200
# The two message caches are emptied when they reach this size: bounded memory, no upkeep per line.
_CACHE_SIZE = 50_000
_EXAMPLE_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Template:
    """One mined template: `<*>` stands for each variable part (see `masks.py`)."""

    id: int
    template: str
    count: int
    example: str


class PatternMiner:
    """Streaming template miner: feed lines with `add`, read `templates` at any time.

    The first `sample_size` lines teach the miner the stream's header shapes
    (`header.py`); they wait until then (or until `templates` or `resolve` is
    called), so the template of every line is decided with the header known.

    Ids from `add` stay valid for good: when templates merge, the old ids
    are mapped to the surviving one, and `resolve(id)` says which one that
    is now (`mine` resolves for you). Before the sample is full, `add` hands
    out a placeholder id per line, which `resolve` maps the same way.

    `variable_after` is how many different words one position must take,
    in patterns otherwise equal, to be taken for a variable (`merging.py`);
    the defaults are what bench/bench_patterns.py measures best (its --loo
    mode fits them on nine loghub systems and scores the tenth). With
    `strip_headers=False`, lines are mined as they come (no header learning,
    no waiting). Memory is bounded: once there are more than `max_clusters`
    templates, the least recently seen tenth is forgotten (their ids then
    resolve to themselves and no longer appear in `templates`).
    """

    def __init__(
        self,
        *,
        variable_after: int = 5,
        sample_size: int = 32,
        max_clusters: int = 20_000,
        strip_headers: bool = True,
    ) -> None:
        if variable_after < 2:
            raise ValueError(f"variable_after must be at least 2, got {variable_after}")
        if sample_size < 1:
            raise ValueError(f"sample_size must be positive, got {sample_size}")
        if max_clusters < 1:
            raise ValueError(f"max_clusters must be positive, got {max_clusters}")
        self._store = TemplateStore()
        self._merger = Merger(self._store, variable_after=variable_after)
        self._header = HeaderModel() if strip_headers else None
        self._sample_size = sample_size
        self._sample: list[tuple[str, int]] | None = [] if strip_headers else None
        self._max_clusters = max_clusters
        # Message -> pattern, and masked message -> pattern: most lines repeat one or the other.
        self._by_message: dict[str, Pattern] = {}
        self._by_masked: dict[str, Pattern] = {}
        self._lines = 0

    def add(self, line: str) -> int:
        """Mine one line; the id of its template (see `resolve`)."""
        line = line.rstrip("\r\n")
        sample = self._sample
        if sample is not None:
            placeholder = self._store.new_id()
            sample.append((line, placeholder))
            if len(sample) >= self._sample_size:
                self._learn_header()
            return placeholder
        return self._mine(line).id

    def resolve(self, template_id: int) -> int:
        """The id of the template that `template_id` (from `add`) is part of now."""
        self._learn_header()
        return self._store.resolve(template_id)

    def templates(self) -> list[Template]:
        """Templates most frequent first (ties: the older template first)."""
        self._learn_header()
        found = [Template(event.id, event.text(), event.count, event.example) for event in self._store.live_events()]
        found.sort(key=lambda template: (-template.count, template.id))
        return found

    def _learn_header(self) -> None:
        sample = self._sample
        if sample is None:
            return
        self._sample = None
        if self._header is not None:
            self._header.learn(line for line, _ in sample)
        for line, placeholder in sample:
            self._store.alias(placeholder, self._mine(line))

    def _mine(self, line: str) -> Event:
        self._lines += 1
        header = self._header
        message = (header.message(line) if header is not None else line.strip())[:_MAX_CHARS]
        pattern = self._by_message.get(message)
        if pattern is None or not pattern.alive:
            masked = mask(message)
            pattern = self._by_masked.get(masked)
            if pattern is None or not pattern.alive:
                pattern = self._place(masked, line)
                if len(self._by_masked) >= _CACHE_SIZE:
                    self._by_masked.clear()
                self._by_masked[masked] = pattern
            if len(self._by_message) >= _CACHE_SIZE:
                self._by_message.clear()
            self._by_message[message] = pattern
        pattern.count += 1
        event = pattern.event
        event.count += 1
        event.last_seen = self._lines
        return event

    def _place(self, masked: str, line: str) -> Pattern:
        """The pattern a masked message fits, or a new one (merged as far as the evidence goes)."""
        tokens = masked.split()[:_MAX_TOKENS]
        store = self._store
        pattern = store.find(tokens)
        if pattern is not None:
            return pattern
        event = store.new_event(line[:_EXAMPLE_CHARS])
        event.last_seen = self._lines  # so the newest template is not the one forgotten
        pattern = self._merger.settle(store.add_pattern(tuple(tokens), event))
        if len(store.events) > self._max_clusters:
            self._forget_least_recent()
        return pattern

    def _forget_least_recent(self) -> None:
        events = sorted(self._store.live_events(), key=lambda event: event.last_seen)
        for event in events[: max(1, self._max_clusters // 10)]:
            self._store.forget(event)


def mine(lines: Iterable[str]) -> tuple[list[Template], list[int]]:
    """Mine `lines` with the default settings: templates (most frequent first) and each line's template id."""
    miner = PatternMiner()
    ids = [miner.add(line) for line in lines]
    return miner.templates(), [miner.resolve(template_id) for template_id in ids]
