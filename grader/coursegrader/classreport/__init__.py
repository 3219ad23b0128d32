"""What an instructor learns from a graded class: the class report (item analysis of every
test cell, flags, two terms side by side) and the similar-submissions check.

    gather.py    the numbers' sources: nbgrader's gradebook (through nbg/gradebook.py) and
                 the failure messages saved in the autograded notebooks
    stats.py     the statistics, from plain data only (no nbgrader, no files)
    similar.py   similar answer code across students (copydetect), starter and reference
                 code subtracted
    html.py      the static HTML page and its matplotlib plots
    text.py      the short summary printed in the terminal
"""
