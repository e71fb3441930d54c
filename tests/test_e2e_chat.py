"""`logai chat` end to end with stdin as a pipe: one question per line until EOF."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from logai.cli import app
from tests.llm_server import call, error, text, tool_calls


@pytest.fixture
def incident(pool_shrink):  # type: ignore[no-untyped-def]
    return pool_shrink


def test_chat_keeps_the_conversation_and_clear_forgets_it(incident, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(
        tool_calls(call("list_log_groups", {"prefix": "/aws/lambda"})),
        text("Two Lambda groups: checkout-api and inventory-sync."),
        text("checkout-api is the one that fails."),
        text("Fresh start: what would you like to know?"),
    )
    script = "which lambda groups exist?\n/help\nwhich one fails?\n/clear\nhello again\n"
    result = CliRunner().invoke(app, ["chat"], input=script, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Two Lambda groups: checkout-api and inventory-sync." in out
    assert "checkout-api is the one that fails." in out
    # With questions piped in, answers alone go to stdout; the rest to stderr.
    assert "/clear" in result.stderr and "forget the conversation" in result.stderr  # /help text
    assert "conversation cleared" in result.stderr and "conversation cleared" not in out
    first, second, third, fourth = (r.body["messages"] for r in llm.requests)
    # The third request (second question) carries the whole first turn…
    assert [m["role"] for m in third] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert third[-1]["content"] == "which one fails?"
    # …and after /clear only the system prompt and the new question remain.
    assert [m["role"] for m in fourth] == ["system", "user"]
    # The session summary is printed when the chat ends.
    assert "Session metrics" in result.stderr
    assert "list_log_groups" in result.stderr


def test_chat_survives_a_failed_turn_and_exit_ends_it(incident, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(error(400, "Invalid request."), text("Still here."))
    result = CliRunner().invoke(app, ["chat"], input="first\nsecond\n/exit\nnever asked\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Still here." in result.stdout
    assert "error:" in result.stderr
    assert len(llm.requests) == 2
    # The failed turn was rolled back: the second request does not carry "first".
    assert [m["content"] for m in llm.requests[1].body["messages"] if m["role"] == "user"] == ["second"]


def test_unknown_slash_command_is_explained(incident, llm) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, ["chat"], input="/frobnicate\n", catch_exceptions=False)
    assert result.exit_code == 0
    assert "unknown command /frobnicate" in result.stderr
    assert llm.requests == []


