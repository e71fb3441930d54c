"""The errors CloudWatchSource raises, and how botocore failures become them.

Every failure carries one sentence a person can act on (`message`) and,
where there is one, what to try next (`hint`). `translate_error` maps a
botocore exception to the matching `SourceError`; anything that is not a
botocore failure maps to None so the caller re-raises it untouched.
"""

from __future__ import annotations


class SourceError(Exception):
    """A CloudWatch Logs call failed; `message` is one sentence, `hint` says what to try.

    `config` is true when the cause is the set-up (region, credentials,
    profile) rather than the call, so a command can exit 2 instead of 1.
    """

    def __init__(self, message: str, hint: str | None = None, *, config: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.config = config

    def __str__(self) -> str:
        return self.message


class LogGroupNotFound(SourceError):
    """The named log group does not exist (ResourceNotFoundException)."""

    def __init__(self, group: str | None, region: str | None = None) -> None:
        where = f" in region {region}" if region else ""
        name = f"Log group {group}" if group else "A log group named in the request"
        super().__init__(
            f"{name} does not exist{where}.",
            "list the log groups to see the exact names (they are case-sensitive)",
        )
        self.group = group


class LogStreamNotFound(SourceError):
    """The named log stream does not exist in an existing group."""

    def __init__(self, group: str, stream: str) -> None:
        super().__init__(
            f"Log stream {stream} does not exist in log group {group}.",
            "omit the stream to read the most recent one",
        )
        self.group = group
        self.stream = stream


class AccessDenied(SourceError):
    """The credentials may not make this call, or AWS rejected them."""


class Throttled(SourceError):
    """CloudWatch Logs kept throttling after botocore's standard retries gave up."""


class ServiceUnavailable(SourceError):
    """CloudWatch Logs answered with a server-side failure (a 5xx) after botocore's retries."""


class InvalidQuery(SourceError):
    """A parameter, filter pattern or Insights query was rejected."""


class EndpointUnreachable(SourceError):
    """The CloudWatch Logs endpoint could not be reached or did not answer in time."""


class TimedOut(SourceError):
    """The tool call's deadline passed: no further CloudWatch call (or retry) was made."""


def translate_error(
    exc: BaseException,
    *,
    group: str | None = None,
    region: str | None = None,
    endpoint: str | None = None,
) -> SourceError | None:
    """The SourceError for a botocore exception, or None for anything else."""
    from botocore import exceptions as bx

    if isinstance(exc, bx.StubResponseError):
        return None  # a test's own assertion: let it through untouched
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        detail = str(error.get("Message") or code).strip().rstrip(".")
        return _client_error(code, detail, group, region)
    if isinstance(exc, bx.NoRegionError):
        return SourceError("No AWS region is set.", "pass --region or set AWS_REGION", config=True)
    if isinstance(exc, bx.ProfileNotFound):
        return SourceError(f"{str(exc).rstrip('.')}.", "check --profile / AWS_PROFILE and ~/.aws/config", config=True)
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError | bx.CredentialRetrievalError):
        return SourceError(
            f"AWS credentials are missing or incomplete: {str(exc).rstrip('.')}.",
            "set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            config=True,
        )
    if isinstance(exc, bx.TokenRetrievalError | bx.NoAuthTokenError):
        return SourceError(f"{str(exc).rstrip('.')}.", "run `aws sso login` for this profile", config=True)
    if isinstance(exc, bx.ConnectionError | bx.HTTPClientError):
        where = endpoint or "the CloudWatch Logs endpoint"
        return EndpointUnreachable(
            f"Cannot reach CloudWatch Logs at {where}.",
            "check the network, the region and AWS_ENDPOINT_URL",
        )
    if isinstance(exc, bx.ParamValidationError):
        report = " ".join(str(exc).split())
        return InvalidQuery(f"A parameter was rejected before sending: {report.rstrip('.')}.")
    if isinstance(exc, bx.BotoCoreError):
        return SourceError(f"The AWS SDK failed: {' '.join(str(exc).split()).rstrip('.')}.")
    return None


_DENIED_CODES = {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"}
_BAD_CREDENTIAL_CODES = {
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "InvalidClientTokenId",
    "ExpiredTokenException",
    "ExpiredToken",
}
_THROTTLE_CODES = {
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
}
_UNAVAILABLE_CODES = {"ServiceUnavailableException", "ServiceUnavailable", "InternalFailure", "InternalServerError"}
_INVALID_CODES = {"InvalidParameterException", "MalformedQueryException", "ValidationException"}


def _client_error(code: str, detail: str, group: str | None, region: str | None) -> SourceError:
    if code == "ResourceNotFoundException":
        return LogGroupNotFound(group, region)
    if code in _DENIED_CODES:
        return AccessDenied(
            f"Access denied: {detail}.",
            "the credentials need the read-only policy in logai's README (Least privilege): logs:DescribeLogGroups, "
            "logs:DescribeLogStreams, logs:FilterLogEvents, logs:GetLogEvents, logs:StartQuery, logs:GetQueryResults, logs:StopQuery",
        )
    if code in _BAD_CREDENTIAL_CODES:
        return AccessDenied(f"AWS rejected the credentials: {detail}.", "refresh or replace the credentials")
    if code in _THROTTLE_CODES:
        return Throttled(
            f"CloudWatch Logs is throttling requests and retries did not help ({code}: {detail}).",
            "wait a minute, search fewer groups or a shorter time range",
        )
    if code in _UNAVAILABLE_CODES:
        return ServiceUnavailable(f"CloudWatch Logs answered with an error ({code}: {detail}).", "try again in a minute")
    if code in _INVALID_CODES:
        return InvalidQuery(f"CloudWatch Logs rejected the request: {detail}.", "check the filter pattern or query syntax")
    return SourceError(f"CloudWatch Logs answered with an error ({code or 'unknown'}: {detail}).")
