"""Generated gRPC bindings of proto/lakeglue/jobrunner/v1/jobrunner.proto.

Do not edit: regenerate with `bash scripts/gen-protos.sh`.
"""
