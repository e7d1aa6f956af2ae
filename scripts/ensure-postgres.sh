#!/usr/bin/env bash
# Ensure PostgreSQL server binaries (initdb, pg_ctl, postgres) are installed.
# Idempotent. Prints the bin directory (e.g. /usr/lib/postgresql/15/bin) on stdout;
# all installer output goes to stderr.
#
#   bash scripts/ensure-postgres.sh            # server binaries only
#   bash scripts/ensure-postgres.sh --jdbc     # also the PostgreSQL JDBC driver
#                                              # (/usr/share/java/postgresql.jar)
#
# Tests run their own throwaway clusters (tests/infra/postgres.py) on a free
# loopback port, so Debian's default cluster is irrelevant; we nevertheless
# keep apt from auto-starting it during install.
set -euo pipefail

want_jdbc=0
for arg in "$@"; do
  case "$arg" in
    --jdbc) want_jdbc=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "ensure-postgres.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

find_bin_dir() {
  # Highest version whose bin dir has both initdb and pg_ctl.
  local d best=""
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
      best="$d"
    fi
  done
  [[ -n "$best" ]] && printf '%s\n' "$best"
}

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "ensure-postgres.sh: need root (or sudo) to install packages" >&2; exit 1
  fi
fi

apt_updated=0
apt_install() {
  if [[ "$apt_updated" -eq 0 ]]; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    apt_updated=1
  fi
  # Keep services (Debian's default 'main' cluster) from being started by the
  # package scripts, unless the admin already has a policy-rc.d in place.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    added_policy=1
  fi
  local rc=0
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends "$@" </dev/null >&2 || rc=$?
  if [[ "$added_policy" -eq 1 ]]; then $SUDO rm -f "$policy"; fi
  return "$rc"
}

bin_dir="$(find_bin_dir || true)"
if [[ -z "$bin_dir" ]]; then
  echo "ensure-postgres.sh: PostgreSQL server binaries not found; installing via apt" >&2
  apt_install postgresql
  bin_dir="$(find_bin_dir || true)"
  if [[ -z "$bin_dir" ]]; then
    echo "ensure-postgres.sh: installed 'postgresql' but no initdb/pg_ctl under /usr/lib/postgresql/*/bin" >&2
    exit 1
  fi
fi

if [[ "$want_jdbc" -eq 1 && ! -f /usr/share/java/postgresql.jar ]]; then
  echo "ensure-postgres.sh: installing PostgreSQL JDBC driver (libpostgresql-jdbc-java)" >&2
  apt_install libpostgresql-jdbc-java
fi

printf '%s\n' "$bin_dir"
