#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu; see the README).
# It makes a Python >= 3.11 virtual environment at /autograder/venv holding the grader's dependencies;
# the grader itself is the `autograder/` folder bundled beside this script (/autograder/source).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
export DEBIAN_FRONTEND=noninteractive

new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

apt-get update -q
apt-get install -y -q python3 python3-venv python3-pip
PYTHON=python3
if ! new_enough python3; then
    # Ubuntu 22.04 ships Python 3.10; its universe archive has 3.11.
    apt-get install -y -q python3.11 python3.11-venv
    PYTHON=python3.11
fi
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --upgrade pip
"$ROOT/venv/bin/python" -m pip install --quiet -r "$SOURCE/requirements.txt"
# Prove the bundle imports with what was installed, so a broken image fails here and not per student.
PYTHONPATH="$SOURCE" "$ROOT/venv/bin/python" -c "import autograder.gradescope.run"
# The formula search space (autograder/judge/formulas/) takes seconds to build: build it once, into the image's
# cache, rather than in each student's container.
PYTHONPATH="$SOURCE" "$ROOT/venv/bin/python" -c "from autograder.judge import formulas; formulas.warm()"
