"""PYTHON_SHELL jobs: the script runs in the runner's Python interpreter, without Spark."""
from __future__ import annotations

import os
import sys
from typing import Optional

from ..model import arguments_to_argv
from .base import LaunchContext, LaunchSpec, base_env, parse_application_id, prepend_path


class PythonShellBackend:
    name = "python"

    def __init__(self, python: Optional[str] = None):
        self.python = python or sys.executable

    def command(self, ctx: LaunchContext) -> LaunchSpec:
        env = base_env(ctx, self.python)
        # .py files are importable from their directory; .zip/.egg/.whl are path entries.
        entries = [os.path.dirname(p) if p.endswith(".py") else p for p in ctx.py_files]
        prepend_path(env, "PYTHONPATH", [os.path.dirname(ctx.script_path)] + entries)
        argv = [self.python, "-u", ctx.script_path,
                *arguments_to_argv(ctx.job.name, ctx.run.id, ctx.resolved_arguments)]
        return LaunchSpec(argv=argv, env=env, cwd=ctx.run_dir)

    def application_id(self, log_text: str) -> Optional[str]:
        return parse_application_id(log_text) if "LAKEGLUE_SPARK_APPLICATION_ID=" in log_text else None
