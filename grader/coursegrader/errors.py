"""The one exception type of the instructor tooling."""

from __future__ import annotations


class CourseError(RuntimeError):
    """A step could not run at all (as opposed to one bad submission). The message says
    what went wrong and what to do about it; the `course` command prints it and exits 1."""
