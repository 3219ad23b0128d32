"""cli.py: the `course` command's arguments and exit codes."""

from __future__ import annotations

import pytest


def test_cli_stops_when_the_sandbox_cannot_run(monkeypatch, capsys):
    from coursegrader import cli
    from coursegrader.engine import pipeline
    from coursegrader.sandbox import bwrap

    def unavailable():
        raise bwrap.SandboxUnavailable(
            "unprivileged user namespaces are switched off on this machine")

    monkeypatch.setattr(bwrap, "check_available", unavailable)
    monkeypatch.setattr(pipeline, "_sandbox_checked", False)
    assert cli.main(["autograde", "01-python-classes"]) == 1
    assert "user namespaces" in capsys.readouterr().err


def test_cli_offers_no_sandbox(capsys):
    from coursegrader import cli

    with pytest.raises(SystemExit):
        cli.main(["autograde", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--no-sandbox" in out
    assert "run student code without the kernel sandbox (unsafe: only for your own " \
           "trusted notebooks)" in out


def test_cli_extend_wants_exactly_one_way_to_say_how_long(capsys):
    from coursegrader import cli

    with pytest.raises(SystemExit):
        cli.main(["extend", "01-python-classes", "ada"])
    with pytest.raises(SystemExit):
        cli.main(["extend", "01-python-classes", "ada", "--days", "2", "--until", "2027-01-01"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_cli_export_says_how_to_write_a_canvas_assignment(capsys):
    from coursegrader import cli

    assert cli.main(["export", "--canvas-assignment", "01-python-classes"]) == 1
    assert "LESSON=ID" in capsys.readouterr().err


def test_cli_help_names_the_new_options(capsys):
    from coursegrader import cli

    assert "course extend LESSON STUDENT" in cli.__doc__ and "--roster" in cli.__doc__
    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    out = capsys.readouterr().out
    for option in ("--roster", "--match", "--canvas-field", "--moodle-field", "--no-lms"):
        assert option in out
