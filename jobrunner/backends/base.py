"""The backend interface and what backends share."""
from __future__ import annotations

import dataclasses
import os
import re
from typing import Dict, List, Mapping, Optional, Protocol, Sequence

from ..model import Job, JobRun

# Printed by the Spark bootstrap once the SparkContext exists (see spark_bootstrap.py).
APP_ID_MARKER = "LAKEGLUE_SPARK_APPLICATION_ID="
_MARKER_RE = re.compile(re.escape(APP_ID_MARKER) + r"(\S+)")
# What spark-submit and Spark print when the driver is elsewhere (cluster deploy mode) or
# the bootstrap was not used: YARN, standalone, local and Kubernetes application ids.
_APP_ID_RES = (
    re.compile(r"\b(application_\d{10,}_\d{4,})\b"),
    re.compile(r"\b(app-\d{14}-\d{4,})\b"),
    re.compile(r"spark-app-selector[=:\s]+(spark-[0-9a-f]{16,})"),
    re.compile(r"\b(local-\d{10,})\b"),
)


@dataclasses.dataclass(frozen=True)
class LaunchContext:
    job: Job
    run: JobRun
    resolved_arguments: Mapping[str, str]
    run_dir: str
    script_path: str                 # a local file (staged from the script location)
    py_files: Sequence[str]          # local files (staged)
    runtime_env: Mapping[str, str]   # LAKEGLUE_* variables for jobrunner.runtime


@dataclasses.dataclass(frozen=True)
class LaunchSpec:
    argv: List[str]
    env: Dict[str, str]
    cwd: str


class Backend(Protocol):
    name: str

    def command(self, ctx: LaunchContext) -> LaunchSpec: ...

    def application_id(self, log_text: str) -> Optional[str]: ...


def parse_application_id(text: str) -> Optional[str]:
    m = _MARKER_RE.search(text)
    if m:
        return m.group(1)
    for rx in _APP_ID_RES:
        m = rx.search(text)
        if m:
            return m.group(1)
    return None


def runtime_pythonpath() -> str:
    """The directory holding the `jobrunner` package, so scripts can import the runtime."""
    import jobrunner

    return os.path.dirname(os.path.dirname(os.path.abspath(jobrunner.__file__)))


def prepend_path(env: Dict[str, str], key: str, entries: Sequence[str]) -> None:
    current = [p for p in env.get(key, "").split(os.pathsep) if p]
    merged: List[str] = []
    for p in list(entries) + current:
        if p and p not in merged:
            merged.append(p)
    env[key] = os.pathsep.join(merged)


def base_env(ctx: LaunchContext, python: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(ctx.runtime_env)
    env["PYTHONUNBUFFERED"] = "1"  # prints reach the log as they happen
    env.setdefault("PYSPARK_PYTHON", python)
    env.setdefault("PYSPARK_DRIVER_PYTHON", python)
    prepend_path(env, "PYTHONPATH", [runtime_pythonpath()])
    return env
