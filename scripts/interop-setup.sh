#!/usr/bin/env bash
# Creates .venv-interop/: a virtual environment with the pinned Python reference
# (requirements-interop.txt) and, in .venv-interop/wheels/, the wheels whose data files the
# interop corpus reads (requirements-interop-data.txt). Does nothing when both files and the
# interpreter are unchanged since the last run. Used by .ci/run; run it by hand to enable the
# interop tests locally. PYTHON=/path/to/python3.11+ picks the interpreter (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-interop
PYTHON=${PYTHON:-python3}
if ! command -v "$PYTHON" >/dev/null; then
  echo "interop-setup: no $PYTHON on PATH (Python 3.11 or later is needed; PYTHON=... picks another)" >&2
  exit 1
fi

stamp="$("$PYTHON" --version 2>&1) $(cat requirements-interop.txt requirements-interop-data.txt | cksum)"
if [ -f "$VENV/.installed" ] && [ "$(cat "$VENV/.installed")" = "$stamp" ]; then
  echo "interop-setup: $VENV is up to date"
  exit 0
fi

rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
log="$VENV/pip.log"

# pip retries an index it cannot reach five times per package, with back-off: on a machine whose
# default index is unreachable but whose pip configuration names another index, that turns a
# 20-second install into minutes. So: a first attempt without retries (a reachable index answers
# at once), and only if it fails, a second one with pip's usual retries for flaky networks.
pip_run() {
  if "$VENV/bin/python" -m pip --disable-pip-version-check --no-input "$@" --retries 0 --timeout 30 >>"$log" 2>&1; then
    return 0
  fi
  echo "interop-setup: pip $1 failed without retries, trying again with retries (log: $log)"
  "$VENV/bin/python" -m pip --disable-pip-version-check --no-input "$@" >>"$log" 2>&1 || {
    tail -n 40 "$log" >&2
    echo "interop-setup: pip $1 failed (full log: $log)" >&2
    return 1
  }
}

pip_run install --only-binary=:all: -r requirements-interop.txt
pip_run download --no-deps --only-binary=:all: -d "$VENV/wheels" -r requirements-interop-data.txt

echo "$stamp" >"$VENV/.installed"
echo "interop-setup: $VENV ready in ${SECONDS}s ($("$VENV/bin/python" --version 2>&1), $(grep -c '==' requirements-interop.txt) pinned packages)"
