"""The `course` command: the instructor's tools for this course.

    course generate [LESSON ...]    regenerate notebooks/ from solutions/
    course check                    no solution or hidden test in any student notebook
"""

from __future__ import annotations

import argparse
import os
import sys

from coursegrader.paths import NOTEBOOKS_DIR, jupyter_env, lesson_notebook, lessons


def _generate(args) -> int:
    from coursegrader.generate import GenerationError, generate

    try:
        done = generate(args.lessons or None)
    except GenerationError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"generated {len(done)} student notebook(s) in {NOTEBOOKS_DIR}: {', '.join(done)}")
    return 0


def _check(args) -> int:
    from coursegrader.checks import find_leaks

    bad = 0
    for lesson in args.lessons or lessons():
        leaks = find_leaks(lesson_notebook(lesson), lesson_notebook(lesson, NOTEBOOKS_DIR))
        for leak in leaks:
            print(f"{lesson}: {leak}")
        bad += len(leaks)
    print("no secret text in the student notebooks" if not bad else f"{bad} leak(s) found")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    os.environ.update(jupyter_env())
    parser = argparse.ArgumentParser(prog="course", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("generate", help="regenerate student notebooks from solutions/")
    p.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    p.set_defaults(func=_generate)
    p = sub.add_parser("check", help="check that student notebooks hide every secret")
    p.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    p.set_defaults(func=_check)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
