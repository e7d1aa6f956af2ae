#!/usr/bin/env bash
# Regenerate the committed Python bindings of proto/ into jobrunner/_proto/.
#   bash scripts/gen-protos.sh            # rewrite jobrunner/_proto/
#   bash scripts/gen-protos.sh --check    # exit 1 if the committed bindings are stale
# Needs grpcio-tools (pip install -e '.[test]'). The generated modules import each other
# relatively, so they live in the jobrunner._proto package rather than a top-level
# `lakeglue.jobrunner.v1` package (which would collide with the `lakeglue` CLI package).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out_dir="jobrunner/_proto"
check=0
[[ "${1:-}" == "--check" ]] && check=1

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

python -m grpc_tools.protoc -I proto \
  --python_out="$tmp" --pyi_out="$tmp" --grpc_python_out="$tmp" \
  proto/lakeglue/jobrunner/v1/jobrunner.proto

gen="$tmp/lakeglue/jobrunner/v1"
# `from lakeglue.jobrunner.v1 import jobrunner_pb2` → `from . import jobrunner_pb2`
sed -i -E 's/^from lakeglue\.jobrunner\.v1 import (jobrunner_pb2)/from . import \1/' "$gen/jobrunner_pb2_grpc.py"

mkdir -p "$tmp/final"
cp "$gen/jobrunner_pb2.py" "$gen/jobrunner_pb2.pyi" "$gen/jobrunner_pb2_grpc.py" "$tmp/final/"
cat > "$tmp/final/__init__.py" <<'PY'
"""Generated gRPC bindings of proto/lakeglue/jobrunner/v1/jobrunner.proto.

Do not edit: regenerate with `bash scripts/gen-protos.sh`.
"""
PY

if (( check )); then
  if diff -r -q "$tmp/final" "$out_dir" -x __pycache__ >/dev/null; then
    echo "jobrunner/_proto is up to date"
  else
    diff -r "$tmp/final" "$out_dir" -x __pycache__ | head -40 >&2
    echo "jobrunner/_proto is stale: run bash scripts/gen-protos.sh" >&2
    exit 1
  fi
else
  mkdir -p "$out_dir"
  cp "$tmp/final/"* "$out_dir/"
  echo "regenerated $out_dir from proto/lakeglue/jobrunner/v1/jobrunner.proto"
fi
