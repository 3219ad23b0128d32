"""Did a submission tamper with the tests that grade it? The static scan of what the student
wrote (scan.py), notes for the instructor (notices.py), and canary cells (canaries.py)."""
