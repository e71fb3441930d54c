"""The one place AWS sessions and clients are made (botocore's, which boto3 wraps).

Region, in order: the `--region` flag and logai's own `aws_region` setting
(`LOGAI_AWS_REGION` or the TOML file; the flag wins, as for every setting),
then `AWS_REGION`, then `AWS_DEFAULT_REGION`, then the profile's. botocore
itself reads only the last two, so the first ones are resolved here.
Endpoint overrides (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`) are
botocore's own. The sessions share one data loader, so botocore reads its
endpoint and service model files (a few MB of JSON) once per process, not
once per session: the MCP server and the tests make many. Clients retry in botocore's `standard` mode; its waits go
through the injected `sleep` and are reported as `CloudWatchRetry` events.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from logai import __version__
from logai.deadline import current as current_deadline
from logai.events import CloudWatchRetry, EventSink
from logai.logs.errors import SourceError, translate_error
from logai.runtime import REAL, Runtime

# Tries per call, the first included (botocore's `total_max_attempts`).
MAX_ATTEMPTS = 5


def resolve_region(aws_region: str | None) -> str | None:
    """The region logai asks boto3 for; None leaves it to the profile."""
    for candidate in (aws_region, os.environ.get("AWS_REGION"), os.environ.get("AWS_DEFAULT_REGION")):
        if candidate and candidate.strip():
            return candidate.strip()
    return None


def aws_session(settings: Any, *, credentials: tuple[str, str] | None = None) -> Any:
    """A botocore Session for `settings.aws_profile` and the resolved region; SourceError (config) on a bad profile.

    `credentials` (access key id, secret) replace the profile: for the local sandbox.
    """
    from botocore.exceptions import BotoCoreError

    try:
        return session_for(resolve_region(settings.aws_region), profile=settings.aws_profile, credentials=credentials)
    except BotoCoreError as exc:
        raise _translated(exc) from None


def session_for(region: str | None, *, profile: str | None = None, credentials: tuple[str, str] | None = None) -> Any:
    """A botocore Session on the shared loader; botocore's errors are left to the caller."""
    import botocore.session

    if credentials is not None:
        # Keys given: no profile applies, not even one AWS_PROFILE names (it may not exist here).
        session = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    else:
        session = botocore.session.Session(profile=profile)
    session.register_component("data_loader", _shared_loader())
    if region is not None:
        session.set_config_variable("region", region)
    if credentials is not None:
        session.set_credentials(*credentials)
    if credentials is None:
        session.get_scoped_config()  # an unknown profile fails here, with its name
    return session


_loader: Any = None
_loader_lock = threading.Lock()


def _shared_loader() -> Any:
    """botocore's data loader, made once: it caches every file it reads and never changes them."""
    global _loader
    with _loader_lock:
        if _loader is None:
            from botocore.loaders import create_loader

            _loader = create_loader()
        return _loader


def setup_problems(session: Any) -> list[SourceError]:
    """What stops `session` from making calls (no region, no credentials), each a SourceError with a hint."""
    from botocore.exceptions import BotoCoreError

    problems = []
    if not session.get_config_variable("region"):
        problems.append(
            SourceError("No AWS region is set.", "pass --region or set AWS_REGION (or a region in the profile)", config=True)
        )
    try:
        if session.get_credentials() is None:
            problems.append(
                SourceError(
                    "No AWS credentials were found.",
                    "set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                    config=True,
                )
            )
    except BotoCoreError as exc:
        problems.append(_translated(exc))
    return problems


def aws_client(
    settings: Any,
    service: str,
    *,
    runtime: Runtime = REAL,
    sink: EventSink | None = None,
    endpoint_url: str | None = None,
    credentials: tuple[str, str] | None = None,
    connect_timeout: float = 5.0,
    read_timeout: float = 30.0,
) -> Any:
    """A client for `service`; SourceError (config=True) when region or credentials are missing.

    `endpoint_url` and `credentials` point it somewhere else than AWS (the local sandbox).
    """
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    session = aws_session(settings, credentials=credentials)
    problems = setup_problems(session)
    if problems:
        raise problems[0]
    config = Config(
        # `total_max_attempts` counts the first try. (The dict key
        # `max_attempts` would count retries only.)
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        user_agent_extra=f"logai/{__version__}",
    )
    try:
        client = session.create_client(service, config=config, endpoint_url=endpoint_url)
    except BotoCoreError as exc:
        raise _translated(exc) from None
    _route_retry_waits(client, runtime, sink)
    return client


def _route_retry_waits(client: Any, runtime: Runtime, sink: EventSink | None) -> None:
    """Make botocore's retry waits go through `runtime.sleep` and report each one.

    botocore's endpoint sleeps for whatever its `needs-retry` handler returns,
    with `time.sleep`. The standard-mode handler is swapped for one that
    asks it for the delay, reports and sleeps it here, and hands the endpoint
    a zero wait, so tests drive retries without waiting and every wait is counted.
    No retry starts when the running tool call's deadline would pass during
    the wait: the call fails now, with the error it got, instead of later.
    """
    from botocore.retries import standard

    service_event = client.meta.service_model.service_id.hyphenize()
    event_name = f"needs-retry.{service_event}"
    unique_id = f"retry-config-{service_event}"
    client.meta.events.unregister(event_name, unique_id=unique_id)
    handler = standard.register_retry_handler(client, max_attempts=MAX_ATTEMPTS)
    client.meta.events.unregister(event_name, unique_id=unique_id)

    def needs_retry(**kwargs: Any) -> Any:
        delay = handler.needs_retry(**kwargs)
        if delay is None or delay is False:
            return delay
        deadline = current_deadline()
        if deadline is not None and deadline.left() <= float(delay):
            return None
        if sink is not None:
            operation = kwargs.get("operation")
            action = getattr(operation, "name", "unknown")
            sink(CloudWatchRetry(action=action, attempt=int(kwargs.get("attempts", 1)), delay_s=float(delay)))
        runtime.sleep(float(delay))
        return 0  # not None: retry now, the wait is done

    client.meta.events.register(event_name, needs_retry, unique_id=unique_id)


def _translated(exc: BaseException) -> SourceError:
    translated = translate_error(exc)
    return translated if translated is not None else SourceError(f"The AWS SDK failed: {exc}.")
