"""Every call into nbgrader: its API object, its gradebook, its converters and exchange.

The rest of the tooling speaks of lessons, students and notebooks; this package knows which
nbgrader class or gradebook method does the job, so that a change in nbgrader is fixed here
and nowhere else (the engine's preprocessors, which are nbgrader preprocessors, are the one
other place that imports nbgrader; the import rules in pyproject.toml hold this). nbgrader is
imported inside the functions: importing it costs seconds, and the quick commands never pay.
"""
