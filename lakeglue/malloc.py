"""glibc malloc tuning for the long-running servers.

The metastore serves each connection on its own thread. glibc gives threads their own malloc
arenas (up to eight per core) and rarely returns memory freed in one arena while another holds
live blocks, so a multi-threaded server's RSS creeps upwards under a mixed load long after its
caches are full. Two arenas keep it flat at no measurable cost in speed (docs/benchmarks.md,
soak section). `MALLOC_ARENA_MAX` in the environment, when set, wins; LAKEGLUE_MALLOC_ARENAS=0
leaves glibc's default.
"""
from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8  # glibc's mallopt parameter number
DEFAULT_ARENAS = 2


def limit_arenas(arenas: int | None = None) -> bool:
    """Cap glibc's malloc arenas for threads created from now on (call before starting
    threads). True if the cap was set; False on other C libraries or when the environment
    decides (MALLOC_ARENA_MAX set, or LAKEGLUE_MALLOC_ARENAS=0)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    if arenas is None:
        try:
            arenas = int(os.environ.get("LAKEGLUE_MALLOC_ARENAS", DEFAULT_ARENAS))
        except ValueError:
            arenas = DEFAULT_ARENAS
    if arenas <= 0:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_ARENA_MAX, arenas))
