"""report.py: what the instructor reads."""

from __future__ import annotations

from coursegrader.engine.model import SubmissionResult


def _autograded(sandbox=True, generated=False):
    from coursegrader.workflow import Autograded

    ok = SubmissionResult("01-x", "ada", True, 3, 4, notes=["a note"])
    bad = SubmissionResult("01-x", "ben", False, error="timestamp.txt does not hold a time")
    return Autograded("01-x", {"ada": ok, "ben": bad}, 1.5, sandbox, generated)


def test_summary_says_when_the_sandbox_was_off():
    from coursegrader.report import SANDBOX_OFF, summarize

    off = summarize(_autograded(sandbox=False)).splitlines()
    assert off[0] == SANDBOX_OFF
    assert SANDBOX_OFF.startswith("WARNING: the kernel sandbox was off")
    on = summarize(_autograded(generated=True))
    assert SANDBOX_OFF not in on and "not in the gradebook: generated it" in on
    assert "ben" in on and "failed" in on and "timestamp.txt" in on and "note: a note" in on
