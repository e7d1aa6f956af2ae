"""lakeglue/malloc.py: the arena cap really bounds glibc's arenas for a thread-per-connection
server (counted with malloc_info), and the environment can override it."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]

# 8 threads allocating at once, then glibc's own report of its heaps (one per arena)
_PROBE = """
import ctypes, sys, tempfile, threading
from lakeglue.malloc import limit_arenas
print(limit_arenas())
barrier = threading.Barrier(8)
def work():
    barrier.wait()
    keep = [bytearray(200) for _ in range(20000)]
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = (ctypes.c_char_p, ctypes.c_char_p)
libc.malloc_info.argtypes = (ctypes.c_int, ctypes.c_void_p)
libc.fclose.argtypes = (ctypes.c_void_p,)
path = tempfile.mktemp()
f = libc.fopen(path.encode(), b"w"); libc.malloc_info(0, f); libc.fclose(f)
print(open(path).read().count("<heap nr="))
"""


def _probe(**env):
    full = {k: v for k, v in os.environ.items() if k not in ("MALLOC_ARENA_MAX", "LAKEGLUE_MALLOC_ARENAS")}
    full.update(env)
    res = subprocess.run([sys.executable, "-c", textwrap.dedent(_PROBE)], cwd=str(REPO_ROOT), env=full,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    applied, heaps = res.stdout.split()
    return applied == "True", int(heaps)


glibc = pytest.mark.skipif(not os.confstr("CS_GNU_LIBC_VERSION"), reason="glibc only")


@glibc
def test_the_cap_bounds_the_arenas_of_many_threads():
    capped, heaps = _probe()
    assert capped and heaps <= 2
    uncapped, heaps_default = _probe(LAKEGLUE_MALLOC_ARENAS="0")
    assert not uncapped and heaps_default > 2  # what the cap prevents


@glibc
def test_the_environment_wins():
    applied, heaps = _probe(MALLOC_ARENA_MAX="3")
    assert not applied and heaps <= 3
    applied, heaps = _probe(LAKEGLUE_MALLOC_ARENAS="1")
    assert applied and heaps == 1
