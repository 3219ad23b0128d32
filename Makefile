# The course's commands. `make help` lists them.
#
# Every target sets up the virtual environment first if it is missing or out of date, so
# `make lab` and `make test` work on a fresh clone with nothing but Python 3.10+ installed.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.course-installed
PORT ?= 8888
# JupyterLab refuses to run as root unless told to (containers, CI machines).
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# nbgrader reads grader/nbgrader_config.py; the gradebook needs the venv's `alembic` on PATH;
# the kernels import this checkout's packages (even where another copy is installed).
export JUPYTER_CONFIG_PATH := $(CURDIR)/grader$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONPATH := $(CURDIR)/src:$(CURDIR)/grader$(if $(PYTHONPATH),:$(PYTHONPATH))

PYTEST_ARGS ?=

.PHONY: help setup dist lab lab-instructor notebooks browser-deps sandbox-deps test test-fast lint clean \
	bench-cifar release collect autograde feedback export report demo bench-grading bench-record \
	hub hub-deps hub-test-deps accounts pg-deps

help:
	@echo "make lab             set up (first time) and open the course in JupyterLab"
	@echo "make lab-instructor  JupyterLab on the whole course, with the formgrader"
	@echo "make notebooks       regenerate notebooks/ (student versions) from solutions/"
	@echo "make test            set up, then run every test (what CI runs)"
	@echo "make test-fast       only the quick tests (no notebook execution)"
	@echo "make lint            ruff over the Python code and the notebooks"
	@echo "make dist            build the course package alone (dist/torchcourse-*.whl), as"
	@echo "                     Colab, Kaggle or any Jupyter install it (docs/hosted.md)"
	@echo "make setup           only create/update the virtual environment $(VENV)"
	@echo "make bench-cifar     train lesson 07's two networks headless; time and accuracy side by side"
	@echo "                     (BENCH_ARGS='--data DIR' to use a local CIFAR-10 copy)"
	@echo ""
	@echo "Grading a class (LESSON=NN-slug; COURSE_GRADING_DIR / COURSE_DB_URL move the data):"
	@echo "make release LESSON=..    put the lesson in the exchange for students to fetch"
	@echo "make collect LESSON=..    collect submissions (FROM=download.zip: an LMS download)"
	@echo "make autograde LESSON=..  autograde every submission on all cores (JOBS=N;"
	@echo "                          NO_SANDBOX=1 only for your own trusted notebooks)"
	@echo "make feedback LESSON=..   feedback without hidden tests, returned to students"
	@echo "make export               all grades to grading/grades.csv (CSV=path), and files"
	@echo "                          Canvas and Moodle import (ROSTER=students.csv MATCH=email)"
	@echo "make report LESSON=..     the class report (COMPARE=other term's grading folder"
	@echo "                          or database URL) and the similar-submissions page"
	@echo "make demo                 a simulated term in a throw-away folder"
	@echo "make bench-grading        40 students (STUDENTS=N): plain nbgrader against ours,"
	@echo "                          with and without the sandbox, stage by stage"
	@echo "make bench-record         what the kernel's record costs (LESSON=.., default 05),"
	@echo "                          in instructions under valgrind: the same figure every run"
	@echo ""
	@echo "A class on one server (as root; docs/deploy.md):"
	@echo "make hub                  JupyterHub for the class (HUB_DIR=/srv/pytorch-course HUB_PORT=8000)"
	@echo "make accounts ROSTER=students.csv INSTRUCTOR=login   Unix accounts from a roster"
	@echo "make hub-deps             only install the hub's proxy (Node.js, configurable-http-proxy)"
	@echo "make pg-deps              install PostgreSQL for the gradebook tests (COURSE_DB_URL)"
	@echo "make mutants [LESSON=..]  mutation testing of the lessons' tests; writes docs/mutation-testing.md"

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q --upgrade pip
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	$(PY) -m pip install --disable-pip-version-check -q --no-deps -e .
	@touch $@

setup: $(STAMP)

# The course package alone (src/pyproject.toml), without the instructor tooling; built
# offline with the venv's setuptools.
dist: $(STAMP)
	@rm -rf dist/torchcourse-*.whl src/build
	$(PY) -m pip wheel --disable-pip-version-check -q --no-deps --no-build-isolation -w dist ./src
	@rm -rf src/build src/*.egg-info
	@ls -l dist/torchcourse-*.whl

# The exchange (release/fetch/submit/collect) is a folder of the course; nbgrader wants it to exist.
EXCHANGE = $${COURSE_GRADING_DIR:-$(CURDIR)/grading}/exchange

lab: $(STAMP)
	@mkdir -p "$(EXCHANGE)"
	$(PY) -m jupyter lab --port=$(PORT) --ServerApp.root_dir=$(CURDIR) $(LAB_ROOT) \
		--LabApp.default_url=/lab/tree/notebooks

lab-instructor: $(STAMP)
	@mkdir -p "$(EXCHANGE)"
	$(PY) -m jupyter lab --port=$(PORT) --ServerApp.root_dir=$(CURDIR) $(LAB_ROOT)

notebooks: $(STAMP)
	$(PY) -m coursegrader.cli generate

browser-deps:
	@bash scripts/install-chromium.sh

# bubblewrap: every submission's kernel runs in it while it is graded (docs/grading.md).
sandbox-deps:
	@bash scripts/install-bubblewrap.sh

# Tests and CI train lesson 07 on the small generated data set (see docs/cifar10.md).
# Two pytest workers, a test file each (pytest-xdist, --dist loadfile: a file's module
# fixtures, such as the grading round, stay in one worker). The heavy files already use
# every core; a second worker runs other files while one waits on a browser, a hub that
# spawns, nbgrader's serial autograde or an attack running into its limit. On the 2-core
# machine: `make test` 1253 s with one worker, 1038 s with two; `make test-fast` 79 s, 54 s.
# PYTEST_WORKERS=0 runs everything in one process (for pdb, or -x).
PYTEST_WORKERS ?= 2
XDIST := $(if $(filter 0,$(PYTEST_WORKERS)),-p no:xdist,-n $(PYTEST_WORKERS) --dist loadfile)

test: export COURSE_BUDGET := ci
test: $(STAMP) browser-deps sandbox-deps hub-test-deps pg-deps
	$(PY) -m pytest tests $(XDIST) --durations=15 $(PYTEST_ARGS)

test-fast: export COURSE_BUDGET := ci
test-fast: $(STAMP) sandbox-deps
	$(PY) -m pytest tests -m "not slow" $(XDIST) $(PYTEST_ARGS)

# Lesson 07's network and recipe on whatever device is present (BENCH_ARGS: see --help).
BENCH_ARGS ?=
bench-cifar: $(STAMP)
	$(PY) benchmarks/bench_cifar.py $(BENCH_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf .pytest_cache .ruff_cache test-artifacts

# ---- grading a class: every target is one `course` command (grader/coursegrader/cli.py)
COURSE := $(PY) -m coursegrader.cli
STUDENTS ?= 40

define need_lesson
	@test -n "$(LESSON)" || { echo "give the lesson: make $@ LESSON=01-python-classes"; exit 2; }
endef

release: $(STAMP)
	$(need_lesson)
	$(COURSE) release $(LESSON)

collect: $(STAMP)
	$(need_lesson)
	$(COURSE) collect $(LESSON) $(if $(FROM),--from "$(FROM)")

autograde: $(STAMP) sandbox-deps
	$(need_lesson)
	$(COURSE) autograde $(LESSON) $(if $(JOBS),--jobs $(JOBS)) $(if $(NO_SANDBOX),--no-sandbox)

feedback: $(STAMP)
	$(need_lesson)
	$(COURSE) feedback $(LESSON)

export: $(STAMP)
	$(COURSE) export $(CSV) $(if $(ROSTER),--roster "$(ROSTER)") $(if $(MATCH),--match $(MATCH))

# the class report and the similar-submissions check (docs/class-report.md)
report: $(STAMP)
	$(need_lesson)
	$(COURSE) report $(LESSON) $(if $(COMPARE),--compare "$(COMPARE)")
	$(COURSE) similar $(LESSON)

demo: $(STAMP) sandbox-deps
	$(COURSE) demo

bench-record: $(STAMP)
	$(PY) benchmarks/bench_record.py $(or $(LESSON),05-state-dict) $(BENCH_ARGS)

bench-grading: $(STAMP) sandbox-deps
	$(COURSE) bench $(LESSON) --students $(STUDENTS) $(if $(JOBS),--jobs $(JOBS))

# ---- a class on one server: JupyterHub (deploy/hub/), run as root (docs/deploy.md)
HUB_DIR ?= /srv/pytorch-course
HUB_PORT ?= 8000

hub-deps:
	@bash scripts/install-hub-deps.sh --force

hub: $(STAMP) hub-deps
	$(PY) scripts/course-hub --dir $(HUB_DIR) --port $(HUB_PORT)

accounts: $(STAMP)
	@test -n "$(ROSTER)" || { echo "give the roster: make accounts ROSTER=students.csv INSTRUCTOR=login"; exit 2; }
	$(PY) scripts/course-hub --dir $(HUB_DIR) --prepare-only
	$(PY) scripts/course-accounts "$(ROSTER)" --hub-dir $(HUB_DIR) $(foreach i,$(INSTRUCTOR),--instructor $(i))

# For `make test`: like browser-deps, each installs only what is missing and honours
# COURSE_SKIP_HUB_TESTS / COURSE_SKIP_PG_TESTS.
hub-test-deps:
	@bash scripts/install-hub-deps.sh

pg-deps:
	@bash scripts/install-postgresql.sh

# Mutation testing of the lessons' own tests, slow (minutes a lesson: every mutant is graded
# in a fresh kernel); LESSON=.. for one. See docs/mutation-testing.md.
.PHONY: mutants
mutants: $(STAMP)
	$(COURSE) mutants --write docs/mutation-testing.md $(LESSON)
