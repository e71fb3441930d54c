"""The house rules that code can check: one way out of the core, no UI below the CLI."""

from __future__ import annotations

import ast

from tests.loghub import REPO

PACKAGE = REPO / "logai"
# Only these may draw on the terminal or parse the command line.
UI_LAYERS = ("cli.py", "commands/", "ui/")


def _sources() -> list[tuple[str, ast.Module]]:
    return [
        (path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def test_metrics_are_recorded_only_inside_logai_metrics() -> None:
    """Everything else emits events; the recorder turns them into counts."""
    offenders = []
    for name, tree in _sources():
        if name.startswith("metrics/"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("inc", "observe"):
                receiver = ast.unparse(node.func.value).lower()
                if "metric" in receiver or "collector" in receiver:
                    offenders.append(f"{name}:{node.lineno} {ast.unparse(node.func)}")
    assert offenders == []


def test_no_rich_or_typer_below_the_cli_and_ui() -> None:
    offenders = []
    for name, tree in _sources():
        if name.startswith(UI_LAYERS):
            continue
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            offenders += [f"{name}:{node.lineno} {m}" for m in modules if m.split(".")[0] in ("rich", "typer", "click")]
    assert offenders == []


def test_tests_inject_through_constructors_not_private_attributes() -> None:
    """A seam is a constructor argument (the clock, sleep, the AWS session): no test assigns or patches
    another object's private attribute."""
    offenders = []
    for path in sorted((REPO / "tests").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "setattr":
                name = node.args[1] if len(node.args) > 1 else None
                if isinstance(name, ast.Constant) and isinstance(name.value, str) and _private(name.value):
                    offenders.append(f"{path.name}:{node.lineno} {ast.unparse(node)[:80]}")
            for target in targets:
                if not isinstance(target, ast.Attribute) or not _private(target.attr):
                    continue
                if not (isinstance(target.value, ast.Name) and target.value.id in ("self", "cls")):
                    offenders.append(f"{path.name}:{node.lineno} {ast.unparse(target)}")
    assert offenders == []


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")
