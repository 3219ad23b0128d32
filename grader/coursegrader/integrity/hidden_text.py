"""Find and remove the text of hidden tests in a notebook's outputs.

Hiding the hidden block of a test cell's source is not enough: code in the student's kernel
can print what the kernel ran (``print(In)``, an event callback that prints every cell, a
traceback of the caller's frame), and that output would reach the student's feedback. The
grader knows every hidden test's text, so it looks for it in every output and removes it.

What counts as a line of a hidden test is ``course.cells.meaningful_lines`` (the rule the
course's own leak check uses: no blank lines, comments or generic syntax such as ``pass``),
minus every line the feedback shows anyway (the cells' visible source). A line is found in an output when
it appears there whole, between non-word characters, as printed, as a ``repr`` (``print(In)``
escapes quotes and newlines), as HTML, or in ANSI colours. An output line that holds one is
replaced by :data:`REMOVED_NOTE`; a rich output (HTML, JSON, ...) is replaced whole. As a
second net, an output whose text, without whitespace and quotes, still holds a long hidden
line (``pprint`` splits long strings over several lines) is replaced whole; not an error
(its message is the assertion's, which the student is meant to read), and not for a line
that is only a piece of a string (a message continued over several lines).

Encoded text (base64, reversed, one character a line) is not recognised here: the integrity
scan flags the code that reads the input history (history.py).
"""

from __future__ import annotations

import html
import json
import re

from coursegrader.course import cells

REMOVED_NOTE = "[removed by the grader: this output showed the text of a hidden test]"
# A hidden line this long (without whitespace and quotes) is also looked for across lines.
SQUEEZED_MIN = 12

ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
TAG_RE = re.compile(r"<[^>]*>")
ESCAPE_RE = re.compile(r"\\(['\"\\nrt])")
ESCAPES = {"n": "\n", "r": "\n", "t": " ", "'": "'", '"': '"', "\\": "\\"}
SPACE_RE = re.compile(r"\s+")
SQUEEZE_RE = re.compile(r"[\s'\"`]+")
STRING_LINE_RE = re.compile(r"^[rbfuRBFU]{0,2}['\"]")


def _squeeze(text: str) -> str:
    return SQUEEZE_RE.sub("", text)


def _readings(text: str) -> list[str]:
    """The ways ``text`` reads once shown: as is, and with repr escapes, ANSI codes, HTML
    tags and entities undone; whitespace collapsed."""
    plain = ANSI_RE.sub("", text)
    unescaped = ESCAPE_RE.sub(lambda m: ESCAPES[m.group(1)], plain)
    rendered = html.unescape(TAG_RE.sub(" ", unescaped))
    return [SPACE_RE.sub(" ", t) for t in dict.fromkeys((plain, unescaped, rendered))]


class HiddenText:
    """The hidden-test lines of one notebook, and the search for them in outputs."""

    def __init__(self, lines):
        self.lines = sorted({SPACE_RE.sub(" ", line.strip()) for line in lines if line.strip()})
        # one pattern for all of them; a line that starts or ends with a word character
        # must not be part of a longer word there (`assert x` is not in `assert xs`)
        self._pattern = re.compile("|".join(
            (r"(?<!\w)" if re.match(r"\w", line) else "") + re.escape(line)
            + (r"(?!\w)" if re.search(r"\w$", line) else "")
            for line in self.lines)) if self.lines else None
        # not a line that is only a piece of string (a message continued over lines): a
        # failed test's message shows that text on purpose, without the quotes
        self._squeezed = [s for s in {_squeeze(line) for line in self.lines
                                      if not STRING_LINE_RE.match(line)}
                          if len(s) >= SQUEEZED_MIN]

    @classmethod
    def of(cls, nb, extra_sources=()) -> HiddenText:
        """The hidden-test lines of ``nb``'s cells (and of ``extra_sources``, e.g. the
        gradebook's copy of the lesson's cells) that ``nb`` does not show in a visible part
        of any cell."""
        hidden_re = cells.hidden_re()
        sources = [c.get("source", "") for c in nb.cells] + list(extra_sources)
        public = {line.strip() for c in nb.cells
                  for line in hidden_re.sub("", c.get("source", "")).splitlines()}
        lines = [line for source in sources for block in hidden_re.findall(source)
                 for line in cells.meaningful_lines(block, public)]
        return cls(lines)

    def found_in(self, text: str) -> bool:
        """Whether ``text`` (one line of an output, or a whole rich output) shows a hidden
        line."""
        if not self.lines or not text:
            return False
        return any(self._pattern.search(reading) for reading in _readings(text))

    def found_squeezed(self, text: str) -> bool:
        """The second net: a long hidden line in ``text`` once whitespace and quotes are
        gone (and repr escapes undone)."""
        if not self._squeezed or not text:
            return False
        squeezed = [_squeeze(reading) for reading in _readings(text)]
        return any(s in reading for s in self._squeezed for reading in squeezed)

    def _clean_text(self, text: str, squeezed: bool = True) -> tuple[str, bool]:
        """``text`` with every line that shows a hidden line replaced by the note; all of it
        replaced if the second net (``squeezed``) finds one."""
        lines = text.splitlines(keepends=True)
        changed = False
        for i, line in enumerate(lines):
            if self.found_in(line):
                lines[i] = REMOVED_NOTE + ("\n" if line.endswith(("\n", "\r")) else "")
                changed = True
        text = "".join(lines)
        if squeezed and self.found_squeezed(text):
            return REMOVED_NOTE + "\n", True
        return text, changed

    def clean_output(self, out) -> bool:
        """Remove hidden-test text from one output in place; True if anything was removed."""
        if not self.lines:
            return False
        kind = out.get("output_type")
        if kind == "stream":
            out["text"], changed = self._clean_text(_text(out.get("text", "")))
            return changed
        if kind == "error":
            # the exact search only: an error's message is the assertion's, shown on purpose
            changed = False
            for key in ("ename", "evalue"):
                value, hit = self._clean_text(str(out.get(key) or ""), squeezed=False)
                if hit:
                    out[key], changed = value.strip(), True
            traceback, hit = self._clean_text(
                "\n".join(map(str, out.get("traceback") or [])), squeezed=False)
            if hit:
                out["traceback"] = traceback.rstrip("\n").split("\n")
            return changed or hit
        data = out.get("data")
        if isinstance(data, dict) and any(self._shows(value) for value in data.values()):
            out["data"] = {"text/plain": REMOVED_NOTE}
            out["metadata"] = {}
            return True
        return False

    def _shows(self, value) -> bool:
        text = _text(value) if isinstance(value, (str, list)) else json.dumps(value)
        return self.found_in(text) or self.found_squeezed(text)

    def clean_notebook(self, nb) -> int:
        """Remove hidden-test text from every output of ``nb`` (and from the widget state
        nbclient may have stored); returns how many outputs were changed."""
        changed = 0
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                changed += self.clean_output(out)
        widgets = nb.get("metadata", {}).get("widgets")
        if widgets is not None and self._shows(widgets):
            del nb.metadata["widgets"]
            changed += 1
        return changed


def _text(value) -> str:
    """nbformat keeps multi-line text as a string, or as a list of lines on disk."""
    return "".join(value) if isinstance(value, list) else str(value)
