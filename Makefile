# The README's two commands, `make demo` and `make test`, set everything up on a fresh machine with
# Python 3.11+: each creates .venv and installs the project into it when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_OUT := build/demo
# A handful of the corpus, named like a small class.
DEMO := tests/submissions/correct/plain_operators.py tests/submissions/correct/numpy_ufuncs.py \
        tests/submissions/wrong/abs_gradient.py tests/submissions/wrong/missing_pow_t.py \
        tests/submissions/wrong/eps_inside_sqrt.py tests/submissions/wrong/in_place_mutation.py \
        assignment/second_moment.py

.PHONY: demo test lint mutation bench bench-smoke release release-check golden clean

UV_VERSION := 0.13.8

# pip brings in uv, and uv installs the project: the same packages from the same index, several times faster
# (downloads in parallel; pip fetched the ~120 packages one by one). --compile-bytecode as pip did: the
# sandboxes import numpy, sympy and matplotlib under uids that cannot write __pycache__.
# (uv reads UV_INDEX_URL, not pip.conf: set it where a mirror replaces PyPI.)
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/adam-hw grade $(DEMO) --out $(DEMO_OUT)
	@echo
	@echo "== $(DEMO_OUT)/grades.csv =="
	@cat $(DEMO_OUT)/grades.csv
	@echo
	@echo "Feedback for one student: $(DEMO_OUT)/eps_inside_sqrt/feedback.md"

# The suite on $(TEST_WORKERS) workers (pytest-xdist), each test file whole on one worker so that a module's
# fixtures run once, in the order collected (conftest puts the longest files first, which xdist would
# otherwise reorder by test count); then the tests marked `alone` (time bounds, CPU shares), by themselves.
# TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2
test: $(STAMP) lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder -m "not alone"
	$(BIN)/python -m pytest -m alone

# Lint, import order, format, types and layers, configured in pyproject.toml ([tool.ruff], [tool.mypy],
# [tool.importlinter]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# Mutation testing of the reference, judged by the hidden checks (tests/mutation/run.py): every mutant
# must lose points unless listed in tests/mutation/equivalent.toml. About 5 minutes, so not part of `test`.
mutation: $(STAMP)
	$(BIN)/python -m tests.mutation.run

# How fast `adam-hw grade` grades a synthetic class, beside real nbgrader (bench/run.py): a few minutes.
# Figures print and go to build/bench/bench.json. bench-smoke is the small version CI runs.
bench: $(STAMP)
	$(BIN)/python bench/run.py

# The smoke run takes every path of the bench (one file, a .py class with the hang and the memory bomb, nbgrader
# beside adam-hw on notebooks), on ordinary notebooks only: nbgrader spent minutes on the hostile two alone.
bench-smoke: $(STAMP)
	$(BIN)/python bench/run.py --sizes 20 --notebooks 3 --no-hostile

# The golden test of a change that must keep behaviour: the corpora, the bench class and its notebooks graded by
# this tree and by commit BASE (default HEAD: the uncommitted change), compared file by file (dev/golden.py).
BASE ?= HEAD
golden: $(STAMP)
	$(BIN)/python dev/golden.py $(BASE)

release: $(STAMP)
	$(BIN)/adam-hw release

release-check: $(STAMP)
	$(BIN)/adam-hw release --check

clean:
	rm -rf build $(VENV)
