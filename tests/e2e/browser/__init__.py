"""Browser tests: JupyterLab and nbgrader as students and instructors see them."""
