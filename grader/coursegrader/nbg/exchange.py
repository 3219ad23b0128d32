"""nbgrader's exchange: where a released lesson lands, and a student's fetch and submit
(the demo plays students on the instructor's machine)."""

from __future__ import annotations

from pathlib import Path
from unittest import mock


def outbound_folder(api, lesson: str) -> Path:
    """Where ``release`` puts ``lesson`` for students to fetch."""
    root = Path(api.exchange.ReleaseAssignment(coursedir=api.coursedir, parent=api).root)
    return root / api.coursedir.course_id / "outbound" / lesson


def fetch_and_submit(api, lesson: str, student: str, home: Path, work) -> None:
    """Student ``student`` fetches ``lesson`` into ``home``, calls ``work(notebook_path)``
    on the fetched notebook, and submits it through the exchange."""
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit

    coursedir = CourseDirectory(config=api.config, root=str(home))
    coursedir.assignment_id = lesson
    fetch = ExchangeFetchAssignment(coursedir=coursedir, authenticator=api.authenticator,
                                    config=api.config)
    fetch.assignment_dir = str(home)
    fetch.start()
    work(home / lesson / f"{lesson}.ipynb")
    coursedir.student_id = student
    submit = ExchangeSubmit(coursedir=coursedir, authenticator=api.authenticator,
                            config=api.config)
    submit.assignment_dir = str(home)
    with mock.patch("nbgrader.exchange.default.submit.get_username", return_value=student):
        submit.start()
