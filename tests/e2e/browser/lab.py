"""What a person does in JupyterLab, as Playwright actions with explicit waits.

Every wait says what it expected to see, so that a failing browser test reads like a bug
report ("the Run menu should offer 'Run All Cells'"), and every timeout is explicit.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from playwright.sync_api import Locator, Page, expect

# Timeouts (ms). Generous: the machines that run CI can be slow, and a wait ends as soon as
# what it waits for is there.
# The cell each page looked at last: a failing test's screenshot scrolls it into view.
LAST_CELL: dict[int, Locator] = {}

UI = 30_000  # the page reacting to a click
LOAD = 90_000  # JupyterLab loading, a kernel starting
RUN = 120_000  # cells running (the lesson imports torch at its end)
VALIDATE = 240_000  # nbgrader's validator runs the whole notebook in a new kernel


def exact(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def screenshot(page: Page, folder: Path, name: str) -> Path:
    """Keep what the page shows now as ``<folder>/<name>.png``."""
    path = Path(folder) / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def menu(page: Page, top: str, item: str) -> None:
    """Click ``top`` in JupyterLab's menu bar, then its entry ``item``."""
    bar = page.locator(".lm-MenuBar-itemLabel", has_text=exact(top))
    expect(bar, f"JupyterLab's menu bar should have a {top!r} menu").to_be_visible(timeout=UI)
    bar.click()
    entry = page.locator(".lm-Menu-content .lm-Menu-itemLabel", has_text=exact(item))
    expect(entry, f"the {top!r} menu should offer {item!r}").to_be_visible(timeout=UI)
    entry.click()
    expect(entry, f"the {top!r} menu should close after clicking {item!r}").to_be_hidden(timeout=UI)


class NotebookView:
    """An open notebook in JupyterLab, whose cells are found by their nbgrader grade_id.

    ``source`` is the notebook file as it was opened: the position of a cell there is its
    position in JupyterLab's list of cells, and each lookup checks that the cell found shows
    the expected code.
    """

    def __init__(self, page: Page, source: Path):
        self.page = page
        self.cells = nbformat.read(source, as_version=4).cells
        self.panel = page.locator(".jp-NotebookPanel").first
        self.all_cells = self.panel.locator(".jp-Notebook .jp-Cell")
        self._checked: set[int] = set()

    def index(self, grade_id: str) -> int:
        for i, cell in enumerate(self.cells):
            if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
                return i
        raise KeyError(f"the notebook has no cell with grade_id {grade_id!r}")

    def cell(self, grade_id: str) -> Locator:
        i = self.index(grade_id)
        found = self.all_cells.nth(i)
        LAST_CELL[id(self.page)] = found
        if i not in self._checked:  # before anything was typed into it
            first_line = self.cells[i].source.strip().splitlines()[0].strip()
            expect(
                found.locator(".cm-content"),
                f"cell {i} ({grade_id}) should show the code {first_line!r}",
            ).to_contain_text(first_line, timeout=UI)
            self._checked.add(i)
        return found

    def output(self, grade_id: str) -> Locator:
        return self.cell(grade_id).locator(".jp-OutputArea-output")

    def wait_until_open(self, heading: str) -> None:
        expect(self.panel, "the notebook should open in a JupyterLab tab").to_be_visible(
            timeout=LOAD
        )
        title = self.panel.locator(".jp-RenderedMarkdown h1", has_text=heading)
        expect(title, f"the notebook should render its title {heading!r}").to_be_visible(
            timeout=LOAD
        )
        expect(
            self.all_cells,
            f"JupyterLab should show all {len(self.cells)} cells of the notebook",
        ).to_have_count(len(self.cells), timeout=LOAD)
        self.wait_idle("the notebook's kernel should start and be idle")

    def wait_idle(self, why: str = "the kernel should be idle") -> None:
        status = self.panel.locator(".jp-Notebook-ExecutionIndicator")
        expect(status, why).to_have_attribute("data-status", "idle", timeout=RUN)

    def type_into(self, grade_id: str, text: str, *, keystrokes: bool = False) -> None:
        """Replace the code of a cell as a person does: click into it, select all, type.

        ``keystrokes=True`` presses every key, with the editor's auto-indent and bracket
        closing at work (fine for flat code); otherwise the text is typed as one input, the
        way a paste or an input method enters it, so that multi-line code keeps its indent.
        """
        editor = self.cell(grade_id).locator(".cm-content")
        editor.click()
        expect(editor, f"the editor of {grade_id} should have the focus").to_be_focused(timeout=UI)
        self.page.keyboard.press("ControlOrMeta+a")
        if keystrokes:
            lines = text.strip("\n").split("\n")
            for n, line in enumerate(lines):
                self.page.keyboard.type(line)
                if n < len(lines) - 1:
                    self.page.keyboard.press("Enter")
        else:
            self.page.keyboard.insert_text(text)
        last_line = text.strip().splitlines()[-1].strip()
        expect(editor, f"the editor of {grade_id} should show the typed code").to_contain_text(
            last_line, timeout=UI
        )

    def tab(self) -> Locator:
        return self.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current")
