"""The grading pipeline: sanitize (the single gradebook writer), execute (worker processes,
in the kernel sandbox), record (the writer again). See docs/code-map.md."""
