"""Tools for developing the grader: a simulated term (demo) and the grading benchmark."""
