"""CheckCanaries: which tests' failures were hidden from the grader (integrity/canaries.py).
Removes the canary cells, so later preprocessors see the student's cell numbers."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from coursegrader.engine.preprocessors.state import state
from coursegrader.integrity.canaries import check_canaries


class CheckCanaries(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        st = state(resources)
        st["tampered"] = check_canaries(nb, st["token"])
        return nb, resources
