"""The `investigate` prompt: logai's evidence-first method, for an MCP client's model.

It carries the parts of chat's system prompt that hold for any model calling
these tools (the method, the warning about log text, the shape of an
answer); what only logai's own agent knows (the user's time zone) is left
out: the client's model knows its user.
"""

from __future__ import annotations

from datetime import UTC, datetime

from logai.agent.prompt import ANSWER, METHOD, UNTRUSTED

NAME = "investigate"
DESCRIPTION = "Investigate a question about CloudWatch Logs with logai's tools, evidence first."
# (name, description, required)
ARGUMENTS = (
    ("question", 'What to find out, e.g. "why is checkout failing since 14:05?"', True),
    ("log_groups", 'Log groups or globs to start with, e.g. "/ecs/*, /aws/lambda/checkout-api" (optional)', False),
)

_TIMES = """\
Times: the tools take relative times ("2h", "30m"), ISO-8601 with an explicit offset or Z, or epoch
milliseconds; relative ones count back from the server's clock, now {now} UTC. Give times in your answer in
UTC and in the user's time zone."""


def investigate(question: str, log_groups: str = "", *, region: str | None = None, now: datetime | None = None) -> str:
    """The prompt text for `question` (and the groups to start with, if the user named them)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    where = f" in AWS region {region}" if region else ""
    parts = [
        f"Investigate this question about AWS CloudWatch Logs{where} with the logai tools (they are read-only).",
        METHOD,
        _TIMES.format(now=moment.strftime("%Y-%m-%d %H:%M:%S")),
        UNTRUSTED,
        ANSWER,
    ]
    if log_groups.strip():
        parts.append(f"Start with these log groups: {log_groups.strip()}")
    parts.append(f"Question: {question.strip()}")
    return "\n\n".join(parts)
