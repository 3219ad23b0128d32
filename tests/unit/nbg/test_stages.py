"""nbg/stages.py: nbgrader's autograde converter, taken apart."""

from __future__ import annotations

import pytest


def test_read_timestamp(tmp_path):
    from coursegrader.nbg.stages import read_timestamp

    assert read_timestamp(tmp_path) == (None, "")
    (tmp_path / "timestamp.txt").write_text("")
    stamp, note = read_timestamp(tmp_path)
    assert stamp is None and "empty" in note
    (tmp_path / "timestamp.txt").write_text("2026-01-15 10:00:00.000000 UTC\n")
    stamp, note = read_timestamp(tmp_path)
    assert (stamp.year, stamp.hour, note) == (2026, 10, "")
    (tmp_path / "timestamp.txt").write_text("But I want to be a timestamp string :(")
    with pytest.raises(ValueError, match="does not hold a time"):
        read_timestamp(tmp_path)
    (tmp_path / "timestamp.txt").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="cannot be read"):
        read_timestamp(tmp_path)


def test_nbgraders_warnings_are_taken_from_its_log_records():
    import logging

    from coursegrader.nbg.stages import _Warnings

    log = logging.getLogger("coursegrader-test-warnings")
    handler = _Warnings()
    log.addHandler(handler)
    try:
        log.warning("Cell with id '%s' exists multiple times!\nsecond line", "x")
        log.error("an error is not a warning")
    finally:
        log.removeHandler(handler)
    assert handler.messages == ["Cell with id 'x' exists multiple times!"]
