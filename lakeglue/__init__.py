"""The `lakeglue` command and cross-component wiring."""
