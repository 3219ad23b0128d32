"""CharLimitOutput: nbgrader's LimitOutput limits the number of lines; a single line can still
be huge (print of a big tensor without newlines). Every text output is cut to ``max_chars``."""

from __future__ import annotations

from nbgrader.preprocessors import LimitOutput
from traitlets import Integer

from coursegrader.engine.preprocessors.state import state

CUT_NOTE = "\n... output cut by the grader ..."


class CharLimitOutput(LimitOutput):
    max_chars = Integer(20_000, help="maximum characters of one text output").tag(config=True)

    def preprocess(self, nb, resources):
        nb, resources = super().preprocess(nb, resources)
        cut = False
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and len(out.get("text", "")) > self.max_chars:
                    out["text"] = out["text"][: self.max_chars] + CUT_NOTE
                    cut = True
                data = out.get("data", {})
                for mime, value in list(data.items()):
                    if isinstance(value, str) and len(value) > self.max_chars * 10:
                        data[mime] = value[: self.max_chars] + CUT_NOTE
                        cut = True
        if cut:
            state(resources)["notes"].append(
                f"outputs longer than {self.max_chars} characters were cut")
        return nb, resources
