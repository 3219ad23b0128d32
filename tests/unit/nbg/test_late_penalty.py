"""nbg/late_penalty.py: the course's late penalty, and that the course config names it."""

from __future__ import annotations

import pytest

from coursegrader.nbg.late_penalty import LatePenalty, penalty_share

DAY = 86400


@pytest.mark.parametrize("seconds, share", [
    (0, 0.0), (1, 0.1), (DAY, 0.1), (DAY + 1, 0.2), (3 * DAY, 0.3), (30 * DAY, 1.0)])
def test_a_share_per_day_or_part_of_a_day(seconds, share):
    assert penalty_share(seconds, 0.1) == pytest.approx(share)


def test_grace_minutes_count_as_on_time():
    assert penalty_share(10 * 60, 0.1, grace_minutes=15) == 0
    assert penalty_share(16 * 60, 0.1, grace_minutes=15) == pytest.approx(0.1)


def test_the_plugin_takes_its_share_of_the_score_and_none_when_on_time():
    plugin = LatePenalty(per_day=0.25)
    assert plugin.late_submission_penalty("ada", 8.0, 2 * DAY) == pytest.approx(4.0)
    assert plugin.late_submission_penalty("ada", 8.0, 0) is None


def test_the_course_config_makes_nbgrader_use_it():
    from nbgrader.preprocessors import AssignLatePenalties

    from coursegrader.course.config import load_config

    pp = AssignLatePenalties(config=load_config())
    pp.init_plugin()
    assert isinstance(pp.plugin_inst, LatePenalty)
    assert pp.plugin_inst.per_day == pytest.approx(0.1)
