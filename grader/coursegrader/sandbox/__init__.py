"""The kernel sandbox: every submission's kernel runs in bubblewrap while it is graded
(manager.py says what the kernel sees and which limits hold)."""
