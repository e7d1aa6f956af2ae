#!/usr/bin/env bash
# The project's test command (README): install the package with test extras,
# then run pytest. Extra arguments are passed to pytest.
#   bash scripts/test.sh                      # everything
#   bash scripts/test.sh tests/unit -x        # a subset
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# System prerequisites the tests need: PostgreSQL server binaries (+ JDBC driver for the
# reference metastore) and a Java runtime for Spark. Both steps are no-ops when present.
export DEBIAN_FRONTEND=noninteractive
LAKEGLUE_PG_BIN="$(bash scripts/ensure-postgres.sh --jdbc)"
export LAKEGLUE_PG_BIN
# A JDK and Maven build the Hive 4 Java client smoke test (tests/java/hive4-smoke).
if ! javac -version >/dev/null 2>&1 || ! mvn -version >/dev/null 2>&1; then
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends openjdk-17-jdk-headless maven </dev/null >&2
fi

# Quiet install, but keep errors visible: show the full log if it fails.
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
pip_log="$(mktemp)"
trap 'rm -f "$pip_log"' EXIT
if ! python -m pip install --disable-pip-version-check --no-input -q -e '.[test]' >"$pip_log" 2>&1; then
  cat "$pip_log" >&2
  echo "scripts/test.sh: 'pip install -e .[test]' failed" >&2
  exit 1
fi
# Surface resolver problems (e.g. "x requires y<2, but you have y 3 which is incompatible").
grep -E '^ERROR|which is incompatible' "$pip_log" >&2 || true

rm -f "$pip_log"; trap - EXIT
# A full run (no arguments) also regenerates the engine compatibility table.
if [ "$#" -eq 0 ]; then
  set -- --compat-report=docs/compatibility.md
fi
exec python -m pytest -q -ra "$@"
