#!/usr/bin/env bash
# Download and unpack a Trino server from Maven Central into a per-machine cache, once.
# Prints the unpacked server directory (containing bin/launcher) on stdout; progress
# goes to stderr. Idempotent: a verified, unpacked copy is reused.
#
#   bash scripts/fetch-trino.sh            # default version (see below)
#   bash scripts/fetch-trino.sh 368        # a given version
#
# Cache: ${LAKEGLUE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lakeglue}/trino/
# The tarball's SHA-1 is checked against the .sha1 Maven Central publishes beside it.
#
# Why 368 by default: the test machines have Java 17 only. Trino 436+ requires Java 21+
# (470 needs 23, 476 needs 24); releases up to 435 run on Java 17, but of those the
# Maven Central we reach serves only trino-server 352, 356 and 368, so 368 is the
# newest Trino that runs here.
set -euo pipefail

version="${1:-${LAKEGLUE_TRINO_VERSION:-368}}"
cache="${LAKEGLUE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lakeglue}/trino"
repo="${LAKEGLUE_MAVEN_REPO:-https://repo1.maven.org/maven2}"
name="trino-server-${version}"
tarball="$cache/$name.tar.gz"
dest="$cache/$name"
url="$repo/io/trino/trino-server/$version/$name.tar.gz"

if [[ -x "$dest/bin/launcher" && -f "$dest/.lakeglue-complete" ]]; then
  printf '%s\n' "$dest"
  exit 0
fi

mkdir -p "$cache"
# One fetcher at a time per cache (parallel test runs on the same machine).
exec 9>"$cache/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if [[ -x "$dest/bin/launcher" && -f "$dest/.lakeglue-complete" ]]; then
  printf '%s\n' "$dest"
  exit 0
fi

expected="$(curl -fsSL --retry 3 "$url.sha1" | awk '{print $1}')"
if [[ ! "$expected" =~ ^[0-9a-f]{40}$ ]]; then
  echo "fetch-trino.sh: no SHA-1 for $url" >&2
  exit 1
fi

have=""
if [[ -f "$tarball" ]]; then have="$(sha1sum "$tarball" | awk '{print $1}')"; fi
if [[ "$have" != "$expected" ]]; then
  echo "fetch-trino.sh: downloading $url" >&2
  start=$(date +%s)
  curl -fL --retry 3 --retry-delay 5 -sS -o "$tarball.part" "$url"
  have="$(sha1sum "$tarball.part" | awk '{print $1}')"
  if [[ "$have" != "$expected" ]]; then
    rm -f "$tarball.part"
    echo "fetch-trino.sh: SHA-1 mismatch for $url: got $have, expected $expected" >&2
    exit 1
  fi
  mv "$tarball.part" "$tarball"
  echo "fetch-trino.sh: downloaded $(du -h "$tarball" | cut -f1) in $(( $(date +%s) - start ))s" >&2
fi

rm -rf "$dest" "$dest.unpack"
mkdir -p "$dest.unpack"
tar -xzf "$tarball" -C "$dest.unpack"
mv "$dest.unpack/$name" "$dest"
rmdir "$dest.unpack"
# Keep the verified tarball's hash beside the unpacked copy; the tarball itself is no
# longer needed once unpacked.
printf '%s\n' "$expected" >"$dest/.lakeglue-complete"
rm -f "$tarball"
printf '%s\n' "$dest"
