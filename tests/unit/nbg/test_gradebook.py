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
