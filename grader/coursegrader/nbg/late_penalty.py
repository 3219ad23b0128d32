"""The course's late penalty: a share of the score per day late, as an nbgrader plugin.

nbgrader's own LateSubmissionPlugin knows two methods, 'none' and 'zero' (every point lost
for a second late); its documentation leaves anything in between to a plugin of one's own
("Late submission plugin" in nbgrader's docs: subclass it and configure
``AssignLatePenalties.plugin_class``). This is that plugin. nbgrader calls it from
AssignLatePenalties (our record stage runs it, nbg/stages.Recorder) with
``SubmittedAssignment.total_seconds_late``, which already counts from the lesson's due date
plus the student's extension (``course extend``); nbgrader itself caps the penalty at the
notebook's score.
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float


def penalty_share(seconds_late: float, per_day: float, grace_minutes: float = 0.0) -> float:
    """The share of the score lost (0 to 1): ``per_day`` for each day or part of a day late,
    after ``grace_minutes`` of grace."""
    if seconds_late <= grace_minutes * 60:
        return 0.0
    days = math.ceil(seconds_late / 86400)
    return min(1.0, per_day * days)


class LatePenalty(LateSubmissionPlugin):
    """``per_day`` of the notebook's score for each day or part of a day late."""

    per_day = Float(0.1, help="Share of the score lost per day (or part of a day) late; "
                    "1 takes every point on the first day.").tag(config=True)
    grace_minutes = Float(0.0, help="Minutes after the due date (and extension) that still "
                          "count as on time.").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float,
                                total_seconds_late: float) -> float | None:
        share = penalty_share(total_seconds_late, self.per_day, self.grace_minutes)
        return score * share if share else None
