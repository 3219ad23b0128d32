"""Instructor tooling around nbgrader: generate, check and grade the course's lessons."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pytorch-course")  # the distribution in pyproject.toml
except PackageNotFoundError:  # run from a checkout that is not installed
    __version__ = "0+unknown"
