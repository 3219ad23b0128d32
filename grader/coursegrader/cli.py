"""The `course` command: the instructor's tools for this course.

    course generate [LESSON ...]    regenerate notebooks/ from solutions/ (first the Colab
                                    and Kaggle links and cells: authoring/hosted.py)
    course check                    no solution or hidden test in any student notebook
    course release LESSON           record the lesson in the gradebook, put it in the exchange
    course collect LESSON [--from ZIP_OR_FOLDER]
                                    collect submissions from the exchange (or an LMS download)
    course autograde LESSON [-j N] [--timeout S] [--no-sandbox] [STUDENT ...]
                                    autograde every submission, on all cores
    course feedback LESSON          feedback HTML (hidden tests removed), returned via exchange
    course export [CSV] [--roster R.csv] [--match COLUMN] [--lesson L ...]
                  [--canvas-field id|sis_user_id|sis_login_id] [--moodle-field email|username|idnumber]
                  [--canvas-assignment LESSON=ID ...] [--no-lms]
                                    every grade to a CSV file (default grading/grades.csv), and
                                    beside it the files Canvas and Moodle import (*-canvas.csv,
                                    *-moodle.csv; students matched by the roster's COLUMN)
    course extend LESSON STUDENT (--days N | --hours N | --until TIME | --clear)
                                    more time for one student (late penalty counts from there);
                                    due dates: c.CourseDeadlines.due in grader/nbgrader_config.py
    course report LESSON [--compare GRADEBOOK] [--out HTML]
                                    the class report: item analysis of every test cell, flags
    course similar LESSON [--top N] [--out HTML]
                                    the most similar pairs of answer code (a hint, no verdict)
    course demo [--dir DIR]         a whole simulated term in a throw-away folder
    course bench LESSON [-n 40]     plain nbgrader autograde against ours, stage by stage

COURSE_GRADING_DIR and COURSE_DB_URL move the grading folder and the gradebook.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from coursegrader import report
from coursegrader.course.paths import NOTEBOOKS_DIR, jupyter_env, lesson_notebook, lessons
from coursegrader.errors import CourseError


def _generate(args) -> int:
    from coursegrader.authoring import hosted
    from coursegrader.authoring.generate import generate

    # Colab/Kaggle links, the first and last cells, GPU metadata: into solutions/ and the
    # README first, so that nbgrader carries them into the student notebooks.
    changed = hosted.write_solutions()
    hosted.write_readme()
    # always the committed notebooks/, whatever COURSE_RELEASE_DIR says: they are what
    # this command exists to update
    done = generate(args.lessons or None, release_dir=NOTEBOOKS_DIR)
    hosted.write_manifest()
    print(f"generated {len(done)} student notebook(s) in {NOTEBOOKS_DIR}: {', '.join(done)}")
    if changed:
        print(f"updated the hosted-runtime cells of {', '.join(changed)} in solutions/")
    return 0


def _check(args) -> int:
    from coursegrader.authoring.leaks import find_leaks

    bad = 0
    for lesson in args.lessons or lessons():
        leaks = find_leaks(lesson_notebook(lesson), lesson_notebook(lesson, NOTEBOOKS_DIR))
        for leak in leaks:
            print(f"{lesson}: {leak}")
        bad += len(leaks)
    print("no secret text in the student notebooks" if not bad else f"{bad} leak(s) found")
    return 1 if bad else 0


def _api(args):
    from coursegrader.nbg.api import make_api

    overrides = {}
    if getattr(args, "timeout", None):
        overrides["Execute.timeout"] = args.timeout
    return make_api(**overrides)


def _release(args) -> int:
    from coursegrader.workflow import release

    print(report.format_released(release(args.lesson, _api(args))))
    return 0


def _collect(args) -> int:
    from coursegrader.workflow import collect

    print(report.format_collected(collect(args.lesson, args.source, _api(args))))
    return 0


def _autograde(args) -> int:
    from coursegrader.workflow import autograde

    # without the sandbox on this machine, autograde stops with SandboxUnavailable (a
    # CourseError that says how to enable it) before any lesson is touched
    run = autograde(args.lesson, args.students or None, args.jobs, _api(args),
                    sandbox=not args.no_sandbox)
    print(report.summarize(run))
    return 0


def _feedback(args) -> int:
    from coursegrader.workflow import feedback

    print(report.format_feedback(feedback(args.lesson, _api(args), release=not args.no_return)))
    return 0


def _export(args) -> int:
    from coursegrader.course.paths import grading_dir
    from coursegrader.workflow import grades

    canvas_ids = {}
    for pair in args.canvas_assignment:
        lesson, sep, number = pair.partition("=")
        if not sep or not number.strip():
            raise CourseError(f"--canvas-assignment {pair}: write it LESSON=ID, e.g. "
                              "01-python-classes=123456 (the number in the assignment's address)")
        canvas_ids[lesson.strip()] = number.strip()
    done = grades(args.csv or grading_dir() / "grades.csv", _api(args),
                  platforms=() if args.no_lms else ("canvas", "moodle"), roster=args.roster,
                  match=args.match, canvas_field=args.canvas_field,
                  moodle_field=args.moodle_field, only=args.lessons or None,
                  canvas_ids=canvas_ids)
    print(report.format_grades(done))
    return 0


def _extend(args) -> int:
    from coursegrader.workflow import extend

    print(report.format_extension(extend(args.lesson, args.student, days=args.days or 0,
                                         hours=args.hours or 0, until=args.until,
                                         clear=args.clear, api=_api(args))))
    return 0


def _report(args) -> int:
    from coursegrader.classreport.build import class_report
    from coursegrader.classreport.text import format_class

    done = class_report(_api(args), args.lesson, args.compare, args.out)
    print(format_class(done.stats, done.path, done.other))
    return 0


def _similar(args) -> int:
    from coursegrader.classreport.build import similar_report
    from coursegrader.classreport.text import format_similar

    path, found = similar_report(_api(args), args.lesson, args.out, args.top)
    print(format_similar(found, path))
    return 0


def _demo(args) -> int:
    from coursegrader.devtools.demo import run_demo

    run_demo(args.dir, args.lesson, args.jobs)
    return 0


def _bench(args) -> int:
    from coursegrader.devtools.bench import run_bench

    report = run_bench(args.lesson, args.students, args.jobs, args.dir)
    return 0 if report["identical"] else 1


def _mutants(args) -> int:
    import shlex
    import time
    from datetime import datetime, timezone

    from coursegrader.authoring import mutants

    if args.list:
        for lesson in args.lessons or lessons():
            found, skipped = mutants.lesson_mutants(lesson)
            print(mutants.describe(found))
            for note in skipped:
                print(f"{lesson}: skipped {note}")
        return 0
    start = time.perf_counter()
    reports = mutants.run_mutants(args.lessons or None, jobs=args.jobs, timeout=args.timeout,
                                  sample=args.sample, seed=args.seed, only=args.only,
                                  progress=print)
    print()
    print(mutants.format_table(reports))
    print(f"\n{time.perf_counter() - start:.0f} s with {args.jobs} kernel(s) at a time")
    if args.write:
        sample = f" --sample {args.sample} --seed {args.seed}" if args.sample else ""
        sample += f" --only {shlex.join(args.only)}" if args.only else ""
        command = f"course mutants{sample} {shlex.join(args.lessons) or '(every lesson)'}"
        when = datetime.now(timezone.utc).strftime("%Y-%m-%d")
        mutants.write_report(args.write, reports, command, when)
        print(f"table written to {args.write}")
    return 0


def main(argv: list[str] | None = None) -> int:
    import warnings

    # nbgrader 0.9's gradebook code triggers SQLAlchemy warnings that say nothing to a user
    warnings.filterwarnings("ignore", message=".*not in session.*")
    os.environ.update(jupyter_env())
    parser = argparse.ArgumentParser(prog="course", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("generate", help="regenerate student notebooks from solutions/")
    p.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    p.set_defaults(func=_generate)
    p = sub.add_parser("check", help="check that student notebooks hide every secret")
    p.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    p.set_defaults(func=_check)
    p = sub.add_parser("release", help="put a lesson in the exchange for students")
    p.add_argument("lesson")
    p.set_defaults(func=_release)
    p = sub.add_parser("collect", help="collect submissions (exchange, or an LMS zip/folder)")
    p.add_argument("lesson")
    p.add_argument("--from", dest="source", type=Path, help="zip file or folder from an LMS")
    p.set_defaults(func=_collect)
    p = sub.add_parser("autograde", help="autograde every collected submission, in parallel")
    p.add_argument("lesson")
    p.add_argument("students", nargs="*", help="only these students (default: all)")
    p.add_argument("-j", "--jobs", type=int, help="worker processes (default: cores + 1)")
    p.add_argument("--timeout", type=int, help="per-cell time limit in seconds")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code without the kernel sandbox (unsafe: only for your "
                   "own trusted notebooks)")
    p.set_defaults(func=_autograde)
    p = sub.add_parser("feedback", help="generate feedback and return it to the students")
    p.add_argument("lesson")
    p.add_argument("--no-return", action="store_true", help="do not release it to the exchange")
    p.set_defaults(func=_feedback)
    p = sub.add_parser("export", help="export all grades to CSV, and for Canvas and Moodle")
    p.add_argument("csv", nargs="?", type=Path)
    p.add_argument("--roster", type=Path, help="CSV with a student_id column and the students' "
                   "ids on the platform (the roster of course-accounts, more columns)")
    p.add_argument("--match", metavar="COLUMN", help="the roster column the platform knows "
                   "students by (default: the course's student id)")
    p.add_argument("--lesson", dest="lessons", action="append", default=[],
                   help="only this lesson in the platform files (repeat; default: every "
                   "lesson with a submission)")
    p.add_argument("--canvas-field", default="sis_login_id",
                   choices=["id", "sis_user_id", "sis_login_id"],
                   help="which Canvas column holds that id (default: sis_login_id)")
    p.add_argument("--moodle-field", default="email", choices=["email", "username", "idnumber"],
                   help="which Moodle user field that id is (default: email)")
    p.add_argument("--canvas-assignment", action="append", default=[], metavar="LESSON=ID",
                   help="the Canvas assignment a lesson's grades go to (repeat; without it "
                   "Canvas makes a new assignment named after the lesson)")
    p.add_argument("--no-lms", action="store_true", help="only nbgrader's CSV")
    p.set_defaults(func=_export)
    p = sub.add_parser("extend", help="give one student more time for a lesson")
    p.add_argument("lesson")
    p.add_argument("student")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--days", type=float, help="days after the lesson's due date")
    when.add_argument("--hours", type=float, help="hours after the lesson's due date")
    when.add_argument("--until", metavar="TIME", help="a time, as in the due-date setting "
                      "('2027-01-29 23:59')")
    when.add_argument("--clear", action="store_true", help="remove the extension")
    p.set_defaults(func=_extend)
    p = sub.add_parser("report", help="the class report of a graded lesson (HTML)")
    p.add_argument("lesson")
    p.add_argument("--compare", metavar="GRADEBOOK",
                   help="another term's grading folder (with gradebook.db) or database URL")
    p.add_argument("--out", type=Path, help="HTML file (default grading/report-LESSON.html)")
    p.set_defaults(func=_report)
    p = sub.add_parser("similar", help="similar answer code across submissions (HTML)")
    p.add_argument("lesson")
    p.add_argument("--top", type=int, default=10, help="pairs to list (default 10)")
    p.add_argument("--out", type=Path, help="HTML file (default grading/similar-LESSON.html)")
    p.set_defaults(func=_similar)
    p = sub.add_parser("demo", help="a whole simulated term in a throw-away folder")
    p.add_argument("--dir", type=Path, help="demo folder (default: a new temporary folder)")
    p.add_argument("--lesson", help="lesson id (default: the first)")
    p.add_argument("-j", "--jobs", type=int)
    p.set_defaults(func=_demo)
    p = sub.add_parser("bench", help="time plain nbgrader autograde against ours, by stage")
    p.add_argument("lesson", nargs="?", default=None)
    p.add_argument("-n", "--students", type=int, default=40)
    p.add_argument("-j", "--jobs", type=int)
    p.add_argument("--dir", type=Path, help="work folder (default: a temporary folder)")
    p.set_defaults(func=_bench)
    p = sub.add_parser("mutants", help="mutation testing: do the lessons' tests catch wrong answers?")
    p.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    p.add_argument("-j", "--jobs", type=int, default=2, help="kernels at a time (default: 2)")
    p.add_argument("--timeout", type=int, default=120, help="per-cell time limit in seconds")
    p.add_argument("--sample", type=int, help="grade only N mutants of each lesson (fixed sample)")
    p.add_argument("--seed", type=int, default=0, help="seed of --sample (default: 0)")
    p.add_argument("--only", nargs="+", metavar="MUTANT_ID",
                   help="grade only these mutants (ids as --list prints them, e.g. ex1-mlp:detach:0)")
    p.add_argument("--list", action="store_true", help="only list the mutants, run nothing")
    p.add_argument("--write", type=Path, help="also write the table into this Markdown file")
    p.set_defaults(func=_mutants)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CourseError as err:
        print(err, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
