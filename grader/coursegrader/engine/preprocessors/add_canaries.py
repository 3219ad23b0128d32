"""AddCanaries: a cell that must fail after every test cell (integrity/canaries.py)."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from coursegrader.engine.preprocessors.state import state
from coursegrader.integrity.canaries import add_canaries


class AddCanaries(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        state(resources)["token"] = add_canaries(nb)
        return nb, resources
