"""The course itself: where it lives, its nbgrader configuration, and nbgrader's cell
metadata. Nothing here imports nbgrader at module level."""
