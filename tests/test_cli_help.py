"""`parceldesk --help` describes every command and option; mistakes are one line on stderr."""

import ast
import subprocess
import sys
from pathlib import Path

import click
import pytest

from webapp.cli import main, parceldesk

ROOT = Path(__file__).resolve().parent.parent


def commands(group=parceldesk, path=()):
    """(command path, command) for the group and every command under it, nested groups too."""
    yield path, group
    for name, command in getattr(group, "commands", {}).items():
        yield from commands(command, (*path, name))


def one_line(text: str) -> str:
    return " ".join(text.replace("\b", "").split())


@pytest.mark.parametrize("path", [path for path, _ in commands()], ids=" ".join)
def test_help_describes_the_command_and_every_option(path, capsys):
    command = dict(commands())[path]
    assert main([*path, "--help"]) == 0
    out = one_line(capsys.readouterr().out)
    assert one_line(command.help or "") and one_line(command.help) in out
    if path:
        assert command.get_short_help_str().strip()  # its line in the parent's list
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help and one_line(param.help) in out, param.opts
        else:  # click arguments take no help=: the command's own text names them
            name = param.human_readable_name.strip("[].").split("|")[0]
            assert name in command.help, (path, name)


@pytest.mark.parametrize(
    "given",
    [
        ["--status", "alert", "returned", "-o", "r.csv"],
        ["--status", "alert", "-o", "r.csv", "--status", "returned"],
    ],
)
def test_report_takes_several_statuses_after_one_flag_or_repeated(given):
    report = parceldesk.commands["report"]
    argv = ["--merchant", "a@example.com", "--format", "csv", *given]
    with report.make_context("report", argv) as ctx:
        assert ctx.params["statuses"] == ("alert", "returned")
        assert ctx.params["output"] == "r.csv"


def test_a_user_error_is_one_line_on_stderr_with_status_1(tmp_path, capsys):
    missing = tmp_path / "missing.jsonl"
    assert main(["classify", str(missing)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == f"parceldesk: cannot read {missing}: No such file or directory.\n"


def test_a_command_line_mistake_is_one_line_on_stderr_with_status_2(capsys):
    assert main(["report", "--merchant", "a@example.com", "--format", "pdf", "-o", "x"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("parceldesk report: Invalid value for '--format': 'pdf'")
    assert main(["no-such-command"]) == 2
    assert capsys.readouterr().err.startswith("parceldesk: No such command 'no-such-command'.")
    assert main(["shipments", "--merch", "a@example.com"]) == 2
    assert capsys.readouterr().err == (
        "parceldesk shipments: No such option '--merch'. Did you mean '--merchant'?"
        " See 'parceldesk shipments --help'.\n"
    )


def test_the_module_as_a_program_exits_with_the_same_status_and_no_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "webapp.cli", "classify", str(tmp_path / "missing.jsonl")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("parceldesk: cannot read") and done.stderr.count("\n") == 1


def test_command_modules_do_not_import_the_cli_that_assembles_them():
    for module in sorted((ROOT / "webapp").glob("cli_*.py")):
        imported = set()
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                imported |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
        assert "webapp.cli" not in imported, module.name
