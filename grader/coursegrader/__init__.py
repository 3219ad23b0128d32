"""Instructor tooling around nbgrader: generate, check and grade the course's lessons."""

__version__ = "0.1.0"
