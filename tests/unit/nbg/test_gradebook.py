"""nbg/gradebook.py and nbg/lessons.py: the gradebook, opened in one place."""

from __future__ import annotations

import pytest
from memory_notebooks import make_test_cell


def test_faster_gradebook_keeps_nbgraders_checks_and_puts_everything_back(tmp_path):
    import jsonschema
    import nbgrader.api
    import nbgrader.nbgraderformat.common as common
    from nbgrader.api import Gradebook
    from nbgrader.nbgraderformat import MetadataValidator

    from coursegrader.nbg.gradebook import faster_gradebook

    good = make_test_cell()
    good.metadata["nbgrader"]["schema_version"] = 3
    bad = make_test_cell()
    bad.metadata["nbgrader"].update(schema_version=3, points="many")
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with faster_gradebook():
        validator = MetadataValidator()
        validator.validate_cell(good)
        with pytest.raises(jsonschema.ValidationError):
            validator.validate_cell(bad)
        with Gradebook(url) as one, Gradebook(url) as two:
            assert one.engine is two.engine  # one engine per database
            one.add_student("ada")
            assert two.find_student("ada").id == "ada"
    assert common.jsonschema is jsonschema
    with Gradebook(url) as one, Gradebook(url) as two:
        assert one.engine is not two.engine
    assert nbgrader.api.create_engine.__module__.startswith("sqlalchemy")


def test_a_lesson_without_source_must_be_released_first(tmp_path):
    from coursegrader.course.config import grading_environment
    from coursegrader.errors import CourseError
    from coursegrader.nbg.api import make_api
    from coursegrader.nbg.gradebook import lesson_in_gradebook
    from coursegrader.nbg.lessons import ensure_lesson

    with grading_environment(tmp_path):
        api = make_api()
        assert not lesson_in_gradebook(api, "99-no-such-lesson")
        with pytest.raises(CourseError, match="run `course release 99-no-such-lesson` first"):
            ensure_lesson(api, "99-no-such-lesson")


def test_a_new_gradebook_is_stamped_without_starting_alembic(tmp_path, monkeypatch):
    import nbgrader.api
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR
    from sqlalchemy import create_engine, text

    from coursegrader.nbg.api import stamp_new_gradebooks_in_process

    stamp_new_gradebooks_in_process()
    stamp_new_gradebooks_in_process()  # twice: still one wrapper

    def no_process(*args, **kwargs):
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(nbgrader.api.sp, "check_output", no_process)
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with nbgrader.api.Gradebook(url):
        pass
    with create_engine(url).connect() as db:
        stamped = db.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert stamped == [ScriptDirectory(ALEMBIC_DIR).get_current_head()]


@pytest.mark.slow
def test_the_revision_is_the_one_alembic_heads_prints():
    """What nbgrader's own way (a new ``alembic heads`` process) gives, side by side."""
    import subprocess

    from nbgrader.dbutil import _temp_alembic_ini

    from coursegrader.nbg.api import ensure_tools_on_path, stamp_new_gradebooks_in_process

    ensure_tools_on_path()
    stamp_new_gradebooks_in_process()
    import nbgrader.api

    with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
        printed = subprocess.check_output(["alembic", "-c", ini, "heads"]).decode()
    assert printed.split()[0] == nbgrader.api.get_alembic_version()
