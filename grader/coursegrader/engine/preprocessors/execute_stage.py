"""The execute stage's preprocessors, in the order they run (engine/execute.py says what
each does). nbgrader's own IgnorePattern and nbconvert's ClearMetadataPreprocessor are in the
list as they are in nbgrader's autograde."""

from __future__ import annotations

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import IgnorePattern

from coursegrader.engine.preprocessors.add_canaries import AddCanaries
from coursegrader.engine.preprocessors.char_limit_output import CharLimitOutput
from coursegrader.engine.preprocessors.check_canaries import CheckCanaries
from coursegrader.engine.preprocessors.check_record import CheckRecord
from coursegrader.engine.preprocessors.mark_unrun_cells import MarkUnrunCells
from coursegrader.engine.preprocessors.note_limits import NoteLimits
from coursegrader.engine.preprocessors.note_timeouts import NoteTimeouts
from coursegrader.engine.preprocessors.tracked_execute import TrackedExecute

PREPROCESSORS = [AddCanaries, TrackedExecute, CheckRecord, MarkUnrunCells, CheckCanaries, NoteLimits,
                 NoteTimeouts,
                 IgnorePattern, ClearMetadataPreprocessor, CharLimitOutput]
