"""One settings class: flags > LOGAI_* environment > TOML file > defaults.

Command-line flags reach `load_settings` as keyword arguments; a flag left at
`None` is dropped so it never masks the file or the environment.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from logai.home import DEFAULT_HOME, config_path
from logai.logs.ratelimit import CLOUDWATCH_QUOTAS as DEFAULT_QUOTAS

SECRET_FIELDS = frozenset({"api_key"})


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one sentence for the user."""


class Settings(BaseSettings):
    """Everything logai can be told. Names are stable: users script against them."""

    model_config = SettingsConfigDict(
        env_prefix="LOGAI_",
        extra="forbid",
        validate_default=True,
    )

    # The model
    model: str | None = Field(default=None, description="litellm model string, e.g. openai/gpt-4o-mini")
    api_base: str | None = Field(default=None, description="base URL of an OpenAI-compatible server")
    api_key: SecretStr | None = Field(default=None, description="API key; provider variables work too")
    llm_stream: bool = Field(default=True, description="stream answers; turn off for servers that cannot stream")
    llm_timeout: float = Field(default=60.0, gt=0, description="seconds one model request may take, the whole answer stream included")
    max_output_tokens: int = Field(default=4096, ge=1, description="longest answer the model may write per request (sent as max_tokens)")
    llm_max_attempts: int = Field(default=5, ge=1, le=20, description="tries per model request, first included")
    llm_retry_deadline: float = Field(default=120.0, gt=0, description="seconds all retries of one request may take")
    llm_backoff_base: float = Field(default=0.5, gt=0, description="first backoff wait in seconds; doubles each try")
    llm_backoff_cap: float = Field(default=30.0, gt=0, description="longest single backoff wait in seconds")

    # Where logai keeps its data
    home: Path = Field(default=DEFAULT_HOME, description="metrics and history live here")

    # AWS (the standard chain does the rest: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL…)
    aws_profile: str | None = Field(default=None, description="named AWS profile")
    aws_region: str | None = Field(default=None, description="AWS region")

    # The agent
    max_tool_rounds: int = Field(default=8, ge=1, le=50, description="tool rounds per turn before the model must answer")
    tool_result_tokens: int = Field(default=3000, ge=200, description="token budget for one tool result")
    auto_retry_enabled: bool = Field(default=True, description="nudge the model after empty or failed searches")
    intent_detection_enabled: bool = Field(default=True, description="nudge the model when it announces but does not act")
    max_nudges_per_reason: int = Field(default=3, ge=0, le=10, description="nudges of one kind per turn")
    widen_factor: float = Field(default=4.0, gt=1, description="how much wider the suggested time range is after an empty search")
    insights_timeout: float = Field(default=60.0, gt=0, description="seconds before a Logs Insights query is stopped")
    max_search_events: int = Field(default=2000, ge=1, le=100_000, description="events one search may read")
    insights_max_days: float = Field(default=7.0, gt=0, description="longest time range a Logs Insights query from the model may span, in days")
    max_calls_per_reply: int = Field(default=8, ge=1, le=100, description="tool calls run per model reply (identical calls are merged first)")
    max_calls_per_turn: int = Field(default=40, ge=1, le=1000, description="tool calls run per turn")
    mcp_max_calls: int = Field(default=500, ge=1, description="tool calls one `logai mcp` server runs before it refuses more")
    tool_timeout: float = Field(default=90.0, gt=0, description="seconds one tool call may take")
    turn_timeout: float = Field(default=300.0, gt=0, description="seconds one answer may take, model and tools included")

    # Budgets (costs in US dollars); reaching one stops the turn and says which
    turn_token_budget: int = Field(default=250_000, ge=1, description="model tokens (in and out) one turn may use")
    session_token_budget: int = Field(default=2_000_000, ge=1, description="model tokens one session may use")
    turn_cost_budget: float = Field(default=0.50, gt=0, description="model cost one turn may run up")
    session_cost_budget: float = Field(default=5.00, gt=0, description="model cost one session may run up")
    turn_cloudwatch_budget: float = Field(default=0.10, gt=0, description="Logs Insights cost (bytes scanned) one turn may run up")
    session_cloudwatch_budget: float = Field(default=1.00, gt=0, description="Logs Insights cost one session may run up")
    turn_cloudwatch_calls: int = Field(default=300, ge=1, description="CloudWatch API calls one turn may make")
    insights_price_per_gb: float = Field(default=0.005, ge=0, description="what Logs Insights charges per GB scanned")
    insights_max_gb_per_query: float = Field(
        default=50.0, gt=0, description="a Logs Insights query that scans more GB than this is stopped"
    )
    timezone: str | None = Field(default=None, description="the user's IANA time zone, e.g. Europe/Paris (default: this machine's)")

    # Metrics
    metrics_enabled: bool = Field(default=True, description="record metrics in LOGAI_HOME")

    # History
    history_enabled: bool = Field(default=True, description="keep each chat's and query's transcript in LOGAI_HOME")
    history_retention_days: int = Field(default=30, ge=0, description="days a transcript is kept; 0 keeps them all")
    metrics_retention_days: float = Field(default=90.0, gt=0, description="days each session's detail is kept (running totals stay)")

    cloudwatch_rate_limits: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_QUOTAS),
        description="requests per second logai allows itself per CloudWatch Logs action (shared by all its calls)",
    )
    # The local sandbox (`logai demo`): faithful always; realistic adds quotas, latency and slow queries
    sandbox_realistic: bool = Field(default=False, description="sandbox: CloudWatch's rate quotas, latency and query times")
    sandbox_quotas: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_QUOTAS), description="sandbox: requests per second per API action"
    )
    sandbox_latency: float = Field(default=0.03, ge=0, description="sandbox: seconds each request takes in realistic mode")
    sandbox_query_seconds: float = Field(default=0.5, ge=0, description="sandbox: seconds every Insights query runs")
    sandbox_query_seconds_per_million: float = Field(
        default=1.0, ge=0, description="sandbox: more seconds per million events an Insights query scans"
    )

    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("timezone", mode="after")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Paris or America/New_York") from None
        return value

    @field_validator("model", "api_base", "aws_profile", "aws_region", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @model_validator(mode="after")
    def _cap_not_below_base(self) -> Settings:
        if self.llm_backoff_cap < self.llm_backoff_base:
            raise ValueError(
                f"llm_backoff_cap ({self.llm_backoff_cap:g} s) must not be below llm_backoff_base ({self.llm_backoff_base:g} s)"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path, _ = config_path()
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=path))

    def require_model(self) -> str:
        """The model string, or a ConfigError naming the setting."""
        if not self.model:
            raise ConfigError(
                "No model is set: set LOGAI_MODEL (for example openai/gpt-4o-mini) "
                "or `model` in the config file."
            )
        return self.model

    def masked(self) -> dict[str, Any]:
        """Every setting as plain data, secrets replaced by a mask."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                out[name] = mask_secret(value.get_secret_value())
            elif isinstance(value, Path):
                out[name] = str(value)
            else:
                out[name] = value
        return out


def mask_secret(secret: str) -> str:
    """Show that a secret is set without showing it."""
    if not secret:
        return ""
    if len(secret) <= 8:
        return "****"
    return f"{secret[:3]}…{secret[-2:]} ({len(secret)} chars)"


def load_settings(**flags: Any) -> Settings:
    """Build settings from flags (None means "not given"), environment and file.

    Raises ConfigError with one readable sentence for any problem.
    """
    path, named = config_path()
    if named and not path.is_file():
        raise ConfigError(f"LOGAI_CONFIG names {path}, which is not a readable file.")
    given = {k: v for k, v in flags.items() if v is not None}
    try:
        return Settings(**given)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The config file {path} is not valid TOML: {exc}.") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"The config file {path} is not UTF-8 text (byte {exc.start} cannot be read); TOML files are UTF-8."
        ) from None
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, path)) from None
    except OSError as exc:
        raise ConfigError(f"The config file {path} cannot be read: {exc.strerror or exc}.") from None


def describe_validation_error(exc: ValidationError, path: Path) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "settings"
        if err["type"] == "extra_forbidden":
            problems.append(f"unknown setting `{where}` (in {path}?)")
        elif not err["loc"]:
            # A model-level error's input is every setting, secrets included: never echo it.
            problems.append(err["msg"].removeprefix("Value error, "))
        elif where in SECRET_FIELDS:
            problems.append(f"`{where}` (LOGAI_{where.upper()}; its value is not shown): {err['msg']}")
        else:
            problems.append(f"`{where}` = {err.get('input')!r}: {err['msg']}")
    hint = " See config.example.toml for every setting."
    return "Invalid settings: " + "; ".join(problems) + "." + hint
