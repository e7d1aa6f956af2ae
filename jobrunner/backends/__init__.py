"""How a run's process is made: one backend per job type.

A backend turns a job, a run and its resolved arguments into a command line and
environment (`LaunchSpec`); the service starts it in its own session, supervises it and
kills it. Backends never touch the database.
"""
from .base import Backend, LaunchContext, LaunchSpec, runtime_pythonpath
from .python_shell import PythonShellBackend
from .spark_submit import SparkSubmitBackend

__all__ = ["Backend", "LaunchContext", "LaunchSpec", "PythonShellBackend", "SparkSubmitBackend",
           "runtime_pythonpath"]
