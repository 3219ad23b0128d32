"""The course's nbgrader preprocessors, one per file, as in nbgrader's own
``nbgrader/preprocessors/``. Each passes its state on through ``resources`` (see state.py)."""
