"""The one place boto3 sessions and clients are made.

Region, in order: the `--region` flag and logai's own `aws_region` setting
(`LOGAI_AWS_REGION` or the TOML file; the flag wins, as for every setting),
then `AWS_REGION`, then `AWS_DEFAULT_REGION`, then the profile's. botocore
itself reads only the last two, so the first ones are resolved here.
Endpoint overrides (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`) are
boto3's own. Clients retry in botocore's `standard` mode; its waits go
through the injected `sleep` and are reported as `CloudWatchRetry` events.
"""

from __future__ import annotations

import os
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
    """A boto3 Session for `settings.aws_profile` and the resolved region; SourceError (config) on a bad profile.

    `credentials` (access key id, secret) replace the profile: for the local sandbox.
    """
    import boto3
    from botocore.exceptions import BotoCoreError

    region = resolve_region(settings.aws_region)
    try:
        if credentials is not None:
            key_id, secret = credentials
            return boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=region)
        return boto3.Session(profile_name=settings.aws_profile, region_name=region)
    except BotoCoreError as exc:
        raise _translated(exc) from None


def setup_problems(session: Any) -> list[SourceError]:
    """What stops `session` from making calls (no region, no credentials), each a SourceError with a hint."""
    from botocore.exceptions import BotoCoreError

    problems = []
    if not session.region_name:
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
    """A boto3 client for `service`; SourceError (config=True) when region or credentials are missing.

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
        client = session.client(service, config=config, endpoint_url=endpoint_url)
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
