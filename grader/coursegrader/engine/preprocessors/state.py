"""The execute stage's shared state, passed from preprocessor to preprocessor in
``resources["coursegrader"]`` (nbgrader's own preprocessors pass theirs in ``resources``)."""

from __future__ import annotations

STATE = "coursegrader"


def state(resources) -> dict:
    """The execute stage's shared state in ``resources`` (created on first use)."""
    return resources.setdefault(STATE, {"notes": [], "done": set(), "error": None,
                                         "tampered": [], "token": "", "timings": {}})
