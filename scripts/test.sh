#!/usr/bin/env bash
# The project's test command (README): install the package with test extras,
# then run pytest. Extra arguments are passed to pytest.
#   bash scripts/test.sh                      # everything
#   bash scripts/test.sh tests/unit -x        # a subset
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Quiet install, but keep errors visible: show the full log if it fails.
pip_log="$(mktemp)"
trap 'rm -f "$pip_log"' EXIT
if ! python -m pip install --disable-pip-version-check --no-input -q -e '.[test]' >"$pip_log" 2>&1; then
  cat "$pip_log" >&2
  echo "scripts/test.sh: 'pip install -e .[test]' failed" >&2
  exit 1
fi
grep -iE '^(error|warning: .*(conflict|incompatible))' "$pip_log" >&2 || true

exec python -m pytest -q -ra "$@"
