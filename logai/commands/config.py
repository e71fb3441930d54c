"""`logai config`: the effective settings, where each came from, and what is missing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from logai.commands.common import EXIT_OK, EXIT_USAGE, settings_or_exit

if TYPE_CHECKING:
    from logai.settings import Settings

# Provider variables litellm reads itself; shown (masked) so people see what is set.
PROVIDER_KEYS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "AZURE_API_KEY",
    "GEMINI_API_KEY",
    "MISTRAL_API_KEY",
    "GROQ_API_KEY",
    "OLLAMA_API_BASE",
    "AWS_BEDROCK_RUNTIME_ENDPOINT",
)
AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)
_SECRET_WORDS = ("KEY", "SECRET", "TOKEN")


def config(
    json_output: bool = typer.Option(False, "--json", help="Print the settings as JSON."),
    check: bool = typer.Option(
        False, "--check", help="Also check AWS credentials and region (imports boto3), and that the model can call tools."
    ),
) -> None:
    """Show the effective settings (secrets masked) and what is missing."""
    from logai.llm.providers import route, route_note
    from logai.settings import config_path, mask_secret

    settings = settings_or_exit()
    path, named = config_path()
    file_values = _file_values(path)
    rows = []
    for name, value in settings.masked().items():
        if f"LOGAI_{name.upper()}" in os.environ:
            source = "env"
        elif name in file_values:
            source = "file"
        else:
            source = "default"
        rows.append({"setting": name, "value": value, "source": source})
    environment = {
        name: (mask_secret(os.environ[name]) if any(w in name for w in _SECRET_WORDS) else os.environ[name])
        for name in (*AWS_VARIABLES, *PROVIDER_KEYS)
        if os.environ.get(name)
    }
    problems = _problems(settings)
    aws_problems: list[str] = []
    if check:
        aws_problems = _check_model(settings) + _check_aws(settings)
    note = route_note(settings.model) if settings.model else None

    if json_output:
        import json

        payload: dict[str, Any] = {
            "config_file": str(path),
            "config_file_exists": path.is_file(),
            "settings": {r["setting"]: r["value"] for r in rows},
            "sources": {r["setting"]: r["source"] for r in rows},
            "model_route": route(settings.model) if settings.model else None,
            "environment": environment,
            "problems": problems + aws_problems,
        }
        print(json.dumps(payload, indent=2, default=str))
    else:
        _print_table(rows, environment, path, named, problems + aws_problems, note)
    # Every problem found here is set-up: a usage/configuration error when asked to check.
    raise typer.Exit(EXIT_USAGE if check and (problems or aws_problems) else EXIT_OK)


def _file_values(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return {}  # load_settings already reported a broken file


def _problems(settings: Settings) -> list[str]:
    problems = []
    if not settings.model:
        problems.append("No model is set: set LOGAI_MODEL (for example openai/gpt-4o-mini) or `model` in the config file.")
    elif "/" not in settings.model:
        problems.append(
            f"LOGAI_MODEL={settings.model!r} has no provider prefix; litellm may not know where to send it "
            "(use openai/…, anthropic/…, bedrock/…, ollama_chat/…)."
        )
    if settings.api_base and not settings.api_base.startswith(("http://", "https://")):
        problems.append(f"LOGAI_API_BASE={settings.api_base!r} is not an http(s) URL.")
    return problems


def _check_model(settings: Settings) -> list[str]:
    """What litellm's model map says against the model; read from its file, not through litellm (seconds to import)."""
    from logai.llm.providers import bundled_model_map, tool_calling_problem

    problem = tool_calling_problem(settings.model, bundled_model_map()) if settings.model else None
    return [problem] if problem else []


def _check_aws(settings: Settings) -> list[str]:
    from logai.logs.aws import aws_session, setup_problems
    from logai.logs.errors import SourceError

    try:
        session = aws_session(settings)
    except SourceError as exc:
        return [f"AWS: {exc.message}" + (f" Hint: {exc.hint}." if exc.hint else "")]
    return [f"AWS: {problem.message} Hint: {problem.hint}." for problem in setup_problems(session)]


def _print_table(
    rows: list[dict[str, Any]],
    environment: dict[str, str],
    path: Path,
    named: bool,
    problems: list[str],
    route: str | None,
) -> None:
    from rich.table import Table

    from logai.ui.console import stdout_console

    console = stdout_console()
    state = "exists" if path.is_file() else "not found, defaults apply"
    console.print(f"config file: {path} ({state}{', from LOGAI_CONFIG' if named else ''})", highlight=False)
    table = Table("setting", "value", "source", box=None, pad_edge=False)
    for row in rows:
        value = row["value"]
        table.add_row(row["setting"], "-" if value is None else str(value), row["source"])
    console.print(table)
    if route:
        console.print(f"model route: {route}", highlight=False, markup=False)
    if environment:
        env_table = Table("environment", "value", box=None, pad_edge=False)
        for name, value in environment.items():
            env_table.add_row(name, value)
        console.print(env_table)
    for problem in problems:
        console.print(f"[yellow]missing or wrong:[/] {problem}", highlight=False)
    if not problems:
        console.print("[green]settings look complete[/]")


def register(app: typer.Typer) -> None:
    app.command("config")(config)
