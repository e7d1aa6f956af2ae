"""Primary resource spark-submit runs for SPARK jobs (client deploy mode).

`spark_bootstrap.py SCRIPT ARGS…` runs SCRIPT as `__main__` with sys.argv = [SCRIPT, ARGS…]
and its directory first on sys.path (as `python SCRIPT` would), and prints the Spark
application id to stderr as soon as a SparkContext exists, for the runner to pick up from
the log. Standard library and pyspark only: this runs inside the Spark driver.
"""
import os
import runpy
import sys

MARKER = "LAKEGLUE_SPARK_APPLICATION_ID="


def _report_application_id() -> None:
    try:
        from pyspark.core.context import SparkContext
    except ImportError:  # older pyspark layouts
        try:
            from pyspark.context import SparkContext
        except ImportError:
            return
    original = SparkContext._do_init

    def _do_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        try:
            sys.stderr.write(f"\n{MARKER}{self.applicationId}\n")
            sys.stderr.flush()
        except Exception:
            pass

    SparkContext._do_init = _do_init


def main() -> None:
    if len(sys.argv) < 2:
        sys.stderr.write("usage: spark_bootstrap.py SCRIPT [ARGS...]\n")
        raise SystemExit(2)
    script = os.path.abspath(sys.argv[1])
    sys.argv = [script] + sys.argv[2:]
    sys.path[0] = os.path.dirname(script)
    _report_application_id()
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
