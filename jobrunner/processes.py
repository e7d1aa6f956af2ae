"""Run processes in their own session and kill them with everything they started.

A run's command is started through a tiny `/bin/sh` shim as the leader of a new session
(and process group). The shim runs the command, then writes its exit status to a file, so
a restarted runner can still learn how a run it adopted ended. spark-submit's JVM and the
PySpark driver stay in that session (PySpark's worker daemon moves to its own process
group, but not to a new session), so "kill the run" means: every process of the session
plus every descendant of the leader (in case one called setsid), SIGTERM first, SIGKILL
after a grace period. On systems without /proc only the process group is signalled.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import signal
import subprocess
import time
from typing import Dict, List, Mapping, Optional, Sequence, Set, Tuple

log = logging.getLogger(__name__)

_HAS_PROC = os.path.isdir("/proc/self")

# $0 is the exit-status file; "$@" the command. The status is written atomically.
_SHIM = '"$@"; rc=$?; echo "$rc" > "$0.tmp" && mv -f "$0.tmp" "$0"; exit "$rc"'


@dataclasses.dataclass(frozen=True)
class ProcInfo:
    pid: int
    ppid: int
    pgid: int
    sid: int
    state: str
    start: int  # clock ticks since boot: with the pid, identifies a process over time
    comm: str


def proc_info(pid: int) -> Optional[ProcInfo]:
    if not _HAS_PROC:
        return None
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read().decode(errors="replace")
    except OSError:
        return None
    lp, rp = raw.find("("), raw.rfind(")")
    rest = raw[rp + 2:].split()
    try:
        return ProcInfo(pid=pid, ppid=int(rest[1]), pgid=int(rest[2]), sid=int(rest[3]), state=rest[0],
                        start=int(rest[19]), comm=raw[lp + 1:rp])
    except (IndexError, ValueError):
        return None


def all_processes() -> List[ProcInfo]:
    out = []
    if not _HAS_PROC:
        return out
    for name in os.listdir("/proc"):
        if name.isdigit():
            info = proc_info(int(name))
            if info is not None:
                out.append(info)
    return out


def process_start(pid: int) -> Optional[int]:
    info = proc_info(pid)
    return info.start if info else None


def is_alive(pid: Optional[int], start: Optional[int] = None) -> bool:
    """True if `pid` runs and (when `start` is known) is the same process as before."""
    if not pid:
        return False
    if _HAS_PROC:
        info = proc_info(pid)
        if info is None or info.state in ("Z", "X"):
            return False
        return start is None or info.start == start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def tree(leader: int, leader_start: Optional[int] = None) -> List[ProcInfo]:
    """The leader's session members and all of its descendants (the leader included)."""
    procs = all_processes()
    by_pid = {p.pid: p for p in procs}
    lead = by_pid.get(leader)
    if lead is None or (leader_start is not None and lead.start != leader_start):
        # The leader is gone; its session id is still its pid.
        return [p for p in procs if p.sid == leader and p.pid != os.getpid()]
    children: Dict[int, List[ProcInfo]] = {}
    for p in procs:
        children.setdefault(p.ppid, []).append(p)
    found: Dict[int, ProcInfo] = {lead.pid: lead}
    stack = [lead.pid]
    while stack:
        for c in children.get(stack.pop(), []):
            if c.pid not in found:
                found[c.pid] = c
                stack.append(c.pid)
    for p in procs:
        if p.sid == lead.sid and lead.sid == lead.pid:
            found.setdefault(p.pid, p)
    found.pop(os.getpid(), None)
    return sorted(found.values(), key=lambda p: p.pid)


def _signal_all(targets: Sequence[ProcInfo], sig: int) -> None:
    for p in targets:
        info = proc_info(p.pid)
        if info is None or info.start != p.start:
            continue  # gone, or the pid was reused
        try:
            os.kill(p.pid, sig)
        except ProcessLookupError:
            pass
        except PermissionError as e:
            log.warning("cannot signal pid %s: %s", p.pid, e)


def kill_tree(leader: int, leader_start: Optional[int] = None, *, grace: float = 10.0,
              reap=None) -> List[ProcInfo]:
    """SIGTERM the leader's session and descendants, SIGKILL what is left after `grace`
    seconds; returns every process that was signalled. `reap` (e.g. Popen.poll) is called
    while waiting so a child leader does not linger as a zombie."""
    if not _HAS_PROC:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(leader, sig)
            except (ProcessLookupError, PermissionError):
                break
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and is_alive(leader):
                if reap:
                    reap()
                time.sleep(0.05)
        return []
    targets: Dict[int, ProcInfo] = {}
    termed: Set[Tuple[int, int]] = set()

    def sweep(sig: int) -> List[ProcInfo]:
        for p in tree(leader, leader_start):
            known = targets.get(p.pid)
            if known is None or known.start != p.start:
                targets[p.pid] = p
        alive = [p for p in targets.values() if is_alive(p.pid, p.start)]
        if sig == signal.SIGTERM:
            fresh = [p for p in alive if (p.pid, p.start) not in termed]
            _signal_all(fresh, sig)
            termed.update((p.pid, p.start) for p in fresh)
        else:
            _signal_all(alive, sig)
        return alive

    # SIGTERM everything (and whatever appears meanwhile) and give it `grace` seconds…
    alive = sweep(signal.SIGTERM)
    deadline = time.monotonic() + max(0.0, grace)
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        if reap:
            reap()
        alive = sweep(signal.SIGTERM)
    # …then SIGKILL what is left, until nothing of the tree runs.
    for _ in range(100):
        if reap:
            reap()
        if not sweep(signal.SIGKILL):
            break
        time.sleep(0.05)
    if reap:
        reap()
    return sorted(targets.values(), key=lambda p: p.pid)


@dataclasses.dataclass
class Handle:
    """A started run process: the shim's pid and start ticks, and its exit-status file."""

    pid: int
    start: Optional[int]
    exit_file: str
    popen: Optional[subprocess.Popen] = None

    def poll(self) -> Tuple[bool, Optional[int]]:
        """(finished, exit status or None when it vanished without recording one)."""
        if self.popen is not None:
            code = self.popen.poll()
            if code is None:
                return False, None
            recorded = read_exit_file(self.exit_file)
            if recorded is not None:
                return True, recorded
            return True, (128 - code) if code < 0 else code
        if is_alive(self.pid, self.start):
            return False, None
        return True, read_exit_file(self.exit_file)

    def reap(self) -> None:
        if self.popen is not None:
            self.popen.poll()

    def kill(self, grace: float) -> List[ProcInfo]:
        return kill_tree(self.pid, self.start, grace=grace, reap=self.reap)

    def leftovers(self) -> List[ProcInfo]:
        """Processes of the run's session still alive after its leader exited."""
        return [p for p in tree(self.pid, self.start) if p.state not in ("Z", "X")]


def read_exit_file(path: str) -> Optional[int]:
    try:
        with open(path) as f:
            text = f.read().strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def spawn(argv: Sequence[str], *, env: Mapping[str, str], cwd: str, log_path: str,
          exit_file: str) -> Handle:
    """Start `argv` in a new session with stdout+stderr appended to `log_path`."""
    try:
        os.unlink(exit_file)
    except FileNotFoundError:
        pass
    with open(log_path, "ab") as logf:
        popen = subprocess.Popen(
            ["/bin/sh", "-c", _SHIM, exit_file, *argv], stdin=subprocess.DEVNULL, stdout=logf,
            stderr=subprocess.STDOUT, cwd=cwd, env=dict(env), start_new_session=True, close_fds=True,
        )
    return Handle(pid=popen.pid, start=process_start(popen.pid), exit_file=exit_file, popen=popen)


def adopt(pid: int, start: Optional[int], exit_file: str) -> Handle:
    """A handle on a run process started by an earlier runner (not our child)."""
    return Handle(pid=pid, start=start, exit_file=exit_file, popen=None)


def describe(procs: Sequence[ProcInfo]) -> str:
    return ", ".join(f"{p.comm}({p.pid})" for p in procs)
