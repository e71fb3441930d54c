"""Log group names for shell and REPL completion, kept for a minute.

Completing `logai logs search /aws/<TAB>` runs logai once per keypress;
listing the groups each time would take a second and, in a large account,
many DescribeLogGroups calls. The names are kept under LOGAI_HOME
(0600), per AWS profile, region and endpoint, for `CACHE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from logai.home import open_private

CACHE_SECONDS = 60.0
_AWS_VARIABLES = ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS")


def cached_group_names(settings: Any, *, now: float) -> list[str]:
    """Every group name in the account and region `settings` point at; [] when they cannot be listed."""
    from logai.logs.errors import SourceError
    from logai.logs.source import CloudWatchSource

    where = json.dumps([settings.aws_profile, settings.aws_region, *(os.environ.get(v) for v in _AWS_VARIABLES)])
    path = settings.home / "cache" / f"groups-{hashlib.sha256(where.encode()).hexdigest()[:16]}.json"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if 0 <= now - float(cached["at"]) < CACHE_SECONDS:
            return [str(name) for name in cached["names"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # missing, stale or broken: list again
    try:
        names = CloudWatchSource.from_settings(settings).group_names()
    except SourceError:
        return []
    try:
        with open_private(path, "w") as handle:
            json.dump({"at": now, "names": names}, handle)
    except OSError:
        pass  # completion works without the cache, only slower
    return names
