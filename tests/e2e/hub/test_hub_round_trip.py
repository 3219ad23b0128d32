"""A class on the course hub, end to end: accounts from a roster, two students fetch lesson 01
in JupyterLab's Assignments tab, answer it (one right, one wrong) and submit; the instructor
collects, autogrades and returns feedback with the course's own commands, as the instructor's
Unix account; each student fetches the feedback and reads their own score in the browser.
Students cannot see each other's work, the instructor's copy of the course or the gradebook,
and cannot change what the exchange hands out. A second submission replaces the first.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from conftest import graded_cells, load_variants, make_variant
from coursegrader.course.paths import lesson_notebook

from .conftest import ARTIFACTS, run_as

pytestmark = [pytest.mark.slow, pytest.mark.browser]

LESSON = "01-python-classes"
WRONG = "clip-forgets-super"
UI = 30_000  # ms: the page reacting to a click
LOAD = 180_000  # ms: the hub starting a user's server (nbgrader's extensions import slowly)


def login(browser, hub, user: str):
    """A new browser context signed in as ``user`` at the hub's login page."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(UI)
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.password)
    page.click("#login_submit")
    # the spawn is started now; the caller waits for JupyterLab (so two can start at once)
    expect(page, "the hub should send the user to their own server after signing in") \
        .to_have_url(re.compile(rf"/(user/{user}|hub/spawn-pending/{user})"), timeout=LOAD)
    return page


def wait_for_lab(page, user: str) -> None:
    from playwright.sync_api import expect

    expect(page, f"{user}'s server should start and open JupyterLab") \
        .to_have_url(re.compile(rf"/user/{user}/lab"), timeout=LOAD)
    expect(page.locator(".jp-LabShell"), f"JupyterLab should load for {user}") \
        .to_be_visible(timeout=LOAD)


def open_assignments(page) -> None:
    from browser.lab import menu
    from playwright.sync_api import expect

    menu(page, "Nbgrader", "Assignment List")
    expect(page.locator("#released_assignments_list"),
           "Nbgrader > Assignment List should open the Assignments tab").to_be_visible(timeout=UI)


def click_in_list(page, list_id: str, button: str, why: str) -> None:
    from playwright.sync_api import expect

    row = page.locator(f"#{list_id} .list_item", has_text=LESSON)
    expect(row.first, why).to_be_visible(timeout=LOAD)
    row.first.locator("button", has_text=re.compile(rf"^{button}$")).click()


def submit(page) -> None:
    """Submit the fetched lesson in the Assignments tab and wait until it is listed as
    submitted."""
    from playwright.sync_api import expect

    before = page.locator("#submitted_assignments_list .nested_list_item").count()
    click_in_list(page, "fetched_assignments_list", "Submit",
                  f"the fetched {LESSON} should be listed with a Submit button")
    expect(page.locator("#submitted_assignments_list .nested_list_item"),
           "the submission should appear under 'Submitted assignments'") \
        .to_have_count(before + 1, timeout=LOAD)


def feedback_score(page, hub, user: str) -> str:
    """Fetch the feedback in the Assignments tab, then open it: the 'Score: x / y' it shows."""
    from playwright.sync_api import expect

    page.reload()
    expect(page.locator(".jp-LabShell")).to_be_visible(timeout=LOAD)
    open_assignments(page)
    click_in_list(page, "submitted_assignments_list", "Fetch Feedback",
                  "the submitted lesson should offer 'Fetch Feedback' once feedback is returned")
    view = page.locator("#submitted_assignments_list a", has_text="view feedback")
    expect(view.first, "after fetching, the Assignments tab should link to the feedback") \
        .to_be_visible(timeout=LOAD)
    home = Path(f"/home/{user}")
    found = sorted((home / LESSON / "feedback").glob(f"*/{LESSON}.html"))
    assert found, f"fetching feedback put no {LESSON}.html under {home / LESSON / 'feedback'}"
    relative = found[-1].relative_to(home)
    page.goto(f"{hub.url}/user/{user}/files/{relative}")
    heading = page.locator("h4", has_text=f"{LESSON} (Score:")
    expect(heading, "the feedback page should show the lesson's score").to_be_visible(timeout=UI)
    page.screenshot(path=str(ARTIFACTS / f"feedback-{user.rsplit('_', 1)[1]}.png"))
    return re.search(r"Score: ([\d.]+) / ([\d.]+)", heading.inner_text()).group(0)


def answer(hub, user: str, notebook: Path) -> None:
    """Replace the student's fetched notebook with ``notebook``, writing as the student."""
    shared = hub.dir / "answers" / user
    shared.mkdir(parents=True, exist_ok=True)
    shared.parent.chmod(0o755)
    shared.chmod(0o755)
    source = shared / f"{LESSON}.ipynb"
    shutil.copy(notebook, source)
    source.chmod(0o644)
    run_as(user, ["cp", str(source), f"/home/{user}/{LESSON}/{LESSON}.ipynb"])


def denied(user: str, *command: str) -> bool:
    return run_as(user, list(command), check=False).returncode != 0


def scores(hub) -> dict[str, str]:
    """student -> 'score/max' from the instructor's `course export`."""
    out = hub.course_command("export").stdout
    found = {}
    for line in out.splitlines():
        m = re.match(rf"\s*{LESSON}\s+(\S+)\s+([\d.]+/[\d.]+)", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def test_students_submit_and_read_feedback_through_the_hub(hub, hub_browser, tmp_path):
    from playwright.sync_api import expect

    ada, bob = hub.students
    points = graded_cells(LESSON)
    full = sum(points.values())
    variant = load_variants(LESSON)[WRONG]
    partial = full - sum(points[g] for g in variant["loses"])
    wrong_nb = make_variant(LESSON, variant["replace"], tmp_path / "wrong.ipynb")
    timings = dict(hub.timings)
    t0 = time.monotonic()

    hub.course_command(f"release {LESSON}")
    timings["release"] = time.monotonic() - t0

    t = time.monotonic()
    pages = {user: login(hub_browser, hub, user) for user in (ada, bob)}
    for user, page in pages.items():
        wait_for_lab(page, user)
    timings["two student servers"] = time.monotonic() - t

    for user, page in pages.items():
        # students have the Assignments tab, and no formgrader at all
        nbgrader_menu = page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader")
        expect(nbgrader_menu, "students should have the Nbgrader menu").to_be_visible()
        open_assignments(page)
        click_in_list(page, "released_assignments_list", "Fetch",
                      f"{LESSON} should be listed under 'Released assignments'")
        expect(page.locator("#fetched_assignments_list .list_item", has_text=LESSON).first,
               "the fetched lesson should move to 'Downloaded assignments'") \
            .to_be_visible(timeout=LOAD)
        reply = page.request.get(f"{hub.url}/user/{user}/formgrader")
        assert reply.status == 404, f"a student's server should have no formgrader, got {reply.status}"
    pages[ada].screenshot(path=str(ARTIFACTS / "assignments-student.png"))

    answer(hub, ada, lesson_notebook(LESSON))
    answer(hub, bob, wrong_nb)
    for page in pages.values():
        submit(page)

    t = time.monotonic()
    result = hub.course_command(f"collect {LESSON}", f"autograde {LESSON}", f"feedback {LESSON}")
    timings["collect + autograde + feedback"] = time.monotonic() - t
    assert "2 returned to the students" in result.stdout, result.stdout
    # the students' code ran in the kernel sandbox, not with the instructor's rights
    assert "sandbox was off" not in result.stdout, result.stdout

    assert feedback_score(pages[ada], hub, ada) == f"Score: {full:.1f} / {full:.1f}", result.stdout
    assert feedback_score(pages[bob], hub, bob) == f"Score: {partial:.1f} / {full:.1f}"

    # ---- students kept apart (as bob, the way his own server or terminal would try)
    exchange = hub.dir / "exchange" / "pytorch-course"
    ada_home = Path(f"/home/{ada}")
    ada_feedback = next((ada_home / LESSON / "feedback").rglob("*.html"))
    course = hub.course
    for what, command in [
        ("list ada's home", ["ls", str(ada_home)]),
        ("read ada's notebook", ["cat", str(ada_home / LESSON / f"{LESSON}.ipynb")]),
        ("read ada's feedback", ["cat", str(ada_feedback)]),
        ("list the submissions in the exchange", ["ls", str(exchange / "inbound")]),
        ("list the returned feedback in the exchange", ["ls", str(exchange / "feedback")]),
        ("read the instructor's solutions", ["cat", str(lesson_notebook(LESSON, course / "solutions"))]),
        ("read the gradebook", ["cat", str(course / "grading" / "gradebook.db")]),
        ("list the collected submissions", ["ls", str(course / "grading" / "submitted")]),
        ("write into the released lesson", ["touch", str(exchange / "outbound" / LESSON / "x.py")]),
        ("write into outbound", ["mkdir", str(exchange / "outbound" / "99-fake")]),
        ("replace the exchange's course folder", ["mv", str(exchange), f"{exchange}.old"]),
    ]:
        assert denied(bob, *command), f"bob could {what}: {' '.join(command)}"
    # what bob may do: read what was released, and his own feedback
    run_as(bob, ["cat", str(exchange / "outbound" / LESSON / f"{LESSON}.ipynb")])

    # ---- bob fixes his answer and submits again: the later submission is the one graded
    t = time.monotonic()
    page = pages[bob]
    page.goto(f"{hub.url}/user/{bob}/lab")
    expect(page.locator(".jp-LabShell")).to_be_visible(timeout=LOAD)
    answer(hub, bob, lesson_notebook(LESSON))
    open_assignments(page)
    submit(page)
    hub.course_command(f"collect {LESSON}", f"autograde {LESSON} {bob}")
    timings["second submission graded"] = time.monotonic() - t
    final = scores(hub)
    assert final.get(bob) == f"{full:g}/{full:g}", f"bob's later, right submission: {final}"
    assert final.get(ada) == f"{full:g}/{full:g}", f"ada's grade should not change: {final}"

    timings["round trip"] = time.monotonic() - t0
    lines = [f"{k}: {v:.1f} s" for k, v in timings.items()]
    (ARTIFACTS / "timings.txt").write_text("\n".join(lines) + "\n")
    print("hub round trip timings:\n  " + "\n  ".join(lines))


def test_instructor_sees_the_formgrader(hub, hub_browser):
    from browser.lab import menu
    from playwright.sync_api import expect

    page = login(hub_browser, hub, hub.instructor)
    wait_for_lab(page, hub.instructor)
    menu(page, "Nbgrader", "Formgrader")
    frame = page.frame_locator("#formgrader-iframe iframe")
    expect(frame.locator("h1", has_text="Manage Assignments"),
           "the instructor's Nbgrader > Formgrader should open 'Manage Assignments'") \
        .to_be_visible(timeout=LOAD)
    expect(frame.locator("a", has_text=LESSON).first,
           f"the formgrader should list {LESSON}, released from the instructor's course") \
        .to_be_visible(timeout=LOAD)
    page.screenshot(path=str(ARTIFACTS / "formgrader-instructor.png"))
