"""Canary cells: the grader runs, right after every test cell, a cell that must fail. If one
of them "passes", the kernel no longer reports failures honestly, whatever the student's code
did to it."""

from __future__ import annotations

import secrets

import nbformat

from coursegrader.course import cells

CANARY_KEY = "coursegrader_canary"


def add_canaries(nb) -> str:
    """Insert after every test cell a cell that must fail; returns the run's secret token."""
    token = secrets.token_hex(8)
    out = []
    for cell in nb.cells:
        out.append(cell)
        if cells.is_test(cell):
            canary = nbformat.v4.new_code_cell(f'assert False, "{token}"')
            canary.metadata[CANARY_KEY] = cells.grade_id(cell) or ""
            out.append(canary)
    nb.cells = out
    return token


def check_canaries(nb, token: str) -> list[str]:
    """Remove the canary cells; return the grade_ids of tests whose canary did not fail."""
    broken, kept = [], []
    for cell in nb.cells:
        if CANARY_KEY not in cell.get("metadata", {}):
            kept.append(cell)
            continue
        failed = any(
            out.get("output_type") == "error" and token in str(out.get("evalue", ""))
            for out in cell.get("outputs", [])
        )
        if not failed:
            broken.append(cell.metadata[CANARY_KEY])
    nb.cells = kept
    return broken
