"""Mutation testing of the lessons' own tests (see runner.py and docs/mutation-testing.md)."""

from coursegrader.authoring.mutants.model import LessonReport, Mutant, MutantResult
from coursegrader.authoring.mutants.operators import mutate_source, solution_lines
from coursegrader.authoring.mutants.report import describe, format_table, valid_id, write_report
from coursegrader.authoring.mutants.runner import (
    exercises,
    lesson_mutants,
    load_equivalent,
    run_mutants,
    select_only,
    select_sample,
)

__all__ = ["LessonReport", "Mutant", "MutantResult", "describe", "exercises", "format_table",
           "lesson_mutants", "load_equivalent", "mutate_source", "run_mutants", "select_only",
           "select_sample", "solution_lines", "valid_id", "write_report"]
