"""Client processes of the load sections (throughput, soak): collecting what they report."""
from __future__ import annotations

from typing import List


def collect(procs, results, timeout: float, what: str) -> List[tuple]:
    """One outcome per process from `results` (("ok", …) or ("error", message)), then reap the
    processes; raises RuntimeError naming the first failure."""
    try:
        outcomes = [results.get(timeout=timeout) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.terminate()
                p.join()
    errors = [o[1] for o in outcomes if o[0] == "error"]
    if errors:
        # a failing process breaks the start barrier for the others: name the cause first
        errors.sort(key=lambda message: message.startswith("BrokenBarrierError"))
        raise RuntimeError(f"{len(errors)} of {len(procs)} {what} failed: {errors[0]}")
    return outcomes
