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
