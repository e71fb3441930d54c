"""`logai patterns` end to end: CliRunner through the real app, and a subprocess as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logai.cli import app
from logai.commands.patterns import MAX_LINE_BYTES
from logai.logs.patterns import mine
from tests.loghub import LOGHUB, REPO

HDFS = LOGHUB / "HDFS" / "HDFS_2k.log"
LINUX = LOGHUB / "Linux" / "Linux_2k.log"


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_table_shows_the_top_templates_with_counts_and_shares(runner: CliRunner) -> None:
    result = runner.invoke(app, ["patterns", str(HDFS), "--top", "3"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    templates, _ = mine(_lines(HDFS))
    assert f"2,000 lines, {len(templates)} templates (top 3 shown)" in result.stdout
    first = templates[0]
    assert f"{first.count:,}" in result.stdout and f"{first.count / 2000:.1%}" in result.stdout
    assert "PacketResponder <*> for block" in result.stdout
    counts = [row.split("│")[1].strip() for row in result.stdout.splitlines() if row.startswith("│")]
    assert [count for count in counts if count] == [f"{t.count:,}" for t in templates[:3]]


def test_json_lists_templates_most_frequent_first(runner: CliRunner) -> None:
    result = runner.invoke(app, ["patterns", str(LINUX), "--json", "--top", "0"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    templates, _ = mine(_lines(LINUX))
    assert document["lines"] == 2000
    assert document["templates_total"] == len(templates) == len(document["templates"])
    assert [(t["id"], t["count"], t["template"], t["example"]) for t in document["templates"]] == [
        (t.id, t.count, t.template, t.example) for t in templates
    ]
    assert sum(t["count"] for t in document["templates"]) == 2000
    assert document["templates"][0]["share"] == round(templates[0].count / 2000, 6)


def test_top_and_min_count_filter_the_listing(runner: CliRunner) -> None:
    result = runner.invoke(app, ["patterns", str(LINUX), "--json", "--min-count", "20", "--top", "4"])
    listed = json.loads(result.stdout)["templates"]
    assert len(listed) == 4 and all(t["count"] >= 20 for t in listed)
    result = runner.invoke(app, ["patterns", str(LINUX), "--json", "--min-count", "100", "--top", "0"])
    counts = [t["count"] for t in json.loads(result.stdout)["templates"]]
    assert counts and min(counts) >= 100 and counts == sorted(counts, reverse=True)


def test_per_line_numbers_every_line_across_files_in_order(runner: CliRunner) -> None:
    result = runner.invoke(app, ["patterns", str(HDFS), str(LINUX), "--per-line"])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    all_lines = _lines(HDFS) + _lines(LINUX)
    templates, ids = mine(all_lines)
    text_of = {t.id: t.template for t in templates}
    assert [int(number) for number, _ in rows] == list(range(1, 4001))
    assert [template for _, template in rows] == [text_of[i] for i in ids]


def test_per_line_json_gives_each_line_a_template_id(runner: CliRunner) -> None:
    result = runner.invoke(app, ["patterns", "--per-line", "--json", "--min-count", "50"], input="a 1\nb\na 2\n")
    document = json.loads(result.stdout)
    ids = document["line_templates"]
    assert len(ids) == 3 and ids[0] == ids[2] != ids[1]
    assert {t["id"] for t in document["templates"]} == set(ids)  # nothing hidden in per-line mode


@pytest.mark.parametrize("args", [["patterns"], ["patterns", "-"]])
def test_stdin_is_read_without_a_file_or_with_dash(runner: CliRunner, args: list[str]) -> None:
    text = "".join(f"user {n} logged in\n" for n in range(5)) + "disk full\n"
    result = runner.invoke(app, [*args, "--per-line"], input=text)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"{n}\tuser <*> logged in" for n in range(1, 6)] + ["6\tdisk full"]


def test_dash_mixes_stdin_with_files_in_order(runner: CliRunner) -> None:
    result = runner.invoke(app, ["patterns", "-", str(HDFS), "--per-line"], input="first line\n")
    lines = result.stdout.splitlines()
    assert lines[0] == "1\tfirst line" and len(lines) == 2001


def test_a_missing_file_is_one_sentence_and_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["patterns", str(HDFS), str(tmp_path / "nope.log")])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == f"logai: cannot read {tmp_path / 'nope.log'}: no such file."
    assert "Traceback" not in result.output


def test_a_directory_is_refused_with_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["patterns", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"logai: cannot read {tmp_path}: it is a directory.")


def test_a_read_failing_midway_exits_1(runner: CliRunner) -> None:
    # /proc/self/mem opens fine but reading its first page fails with EIO.
    result = runner.invoke(app, ["patterns", "/proc/self/mem"])
    assert result.exit_code == 1
    assert result.stderr.startswith("logai: reading /proc/self/mem failed:")
    assert "Traceback" not in result.output


def test_binary_and_non_utf8_input_does_not_crash(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "mixed.log"
    path.write_bytes(
        b"caf\xe9 opened \xff\xfe\n\x00\x01\x02 binary \x1b[31mred\x1b[0m\n" + os.urandom(4096) + b"\nok 1\nok 2\n"
    )
    table = runner.invoke(app, ["patterns", str(path)])
    assert table.exit_code == 0, table.output
    assert "\x1b" not in table.stdout  # no terminal escapes from the log reach the screen
    assert "caf\ufffd opened" in table.stdout
    per_line = runner.invoke(app, ["patterns", str(path), "--per-line"])
    assert per_line.exit_code == 0 and "\x1b" not in per_line.stdout
    document = json.loads(runner.invoke(app, ["patterns", str(path), "--json"]).stdout)
    assert document["lines"] == path.read_bytes().count(b"\n")


def test_a_huge_line_counts_as_one_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "huge.log"
    path.write_bytes(b"start " + b"x" * (3 * MAX_LINE_BYTES) + b" end\nnext line\n")
    result = runner.invoke(app, ["patterns", str(path), "--per-line"])
    rows = result.stdout.splitlines()
    assert [row.split("\t")[0] for row in rows] == ["1", "2"]
    assert rows[1] == "2\tnext line"


def test_template_count_is_bounded_for_structureless_input(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logai.commands.patterns as command

    monkeypatch.setattr(command, "MAX_TEMPLATES", 5)
    # Lines of different lengths never share a template.
    text = "".join(f"{'tick ' * (n + 1)}end\n" for n in range(30)) + f"{'tick ' * 30}end\n"
    result = runner.invoke(app, ["patterns", "--per-line"], input=text)
    rows = result.stdout.splitlines()
    assert len(rows) == 31
    assert rows[0] == "1\t(rare template dropped: more than 5 templates)"
    assert rows[30] == f"31\t{'tick ' * 30}end"
    listed = json.loads(runner.invoke(app, ["patterns", "--json", "--top", "0"], input=text).stdout)["templates"]
    assert len(listed) == 5


def test_empty_input_says_so(runner: CliRunner) -> None:
    result = runner.invoke(app, ["patterns"], input="")
    assert result.exit_code == 0
    assert result.stderr == "logai: no input lines.\n"
    assert json.loads(runner.invoke(app, ["patterns", "--json"], input="").stdout) == {
        "lines": 0,
        "templates_total": 0,
        "templates": [],
    }


def test_negative_top_is_a_usage_error(runner: CliRunner) -> None:
    assert runner.invoke(app, ["patterns", str(HDFS), "--top", "-1"]).exit_code == 2


# -- as a user runs it --------------------------------------------------------


def _logai(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "logai", *args], input=stdin, capture_output=True, env=env, cwd=REPO, timeout=60
    )


def test_subprocess_per_line_over_a_real_file() -> None:
    done = _logai("patterns", str(LINUX), "--per-line")
    assert done.returncode == 0, done.stderr
    rows = done.stdout.decode().splitlines()
    assert len(rows) == 2000
    assert rows[0].startswith("1\tauthentication failure; logname= uid=<*>")


def test_subprocess_reads_stdin_and_prints_json() -> None:
    done = _logai("patterns", "--json", stdin=HDFS.read_bytes())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["lines"] == 2000


def test_subprocess_missing_file_exit_code_and_message() -> None:
    done = _logai("patterns", "/nonexistent/app.log")
    assert done.returncode == 2
    assert done.stderr.decode() == (
        "logai: cannot read /nonexistent/app.log: no such file.\n  hint: give readable log files, or - for stdin\n"
    )


def test_subprocess_stops_quietly_when_the_reader_goes_away() -> None:
    files = " ".join(str(path) for path in sorted(LOGHUB.glob("*/*_2k.log")))
    done = subprocess.run(
        f"{sys.executable} -m logai patterns --per-line {files} | head -n 2",
        shell=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        timeout=60,
    )
    assert len(done.stdout.decode().splitlines()) == 2
    assert done.stderr == b""


def test_the_command_never_imports_litellm_or_boto3() -> None:
    code = (
        "import sys\n"
        "from logai.cli import app\n"
        f"try:\n    app(['patterns', {str(HDFS)!r}, '--top', '2'])\n"
        "except SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
        "print(sorted(m for m in ('litellm', 'boto3', 'botocore', 'drain3') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines()[-1] == "[]"  # the miner is pure Python: drain3 is only the benchmark's yardstick
