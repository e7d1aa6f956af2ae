"""lakeglue/signals.py: a stop signal is noticed whichever thread it lands on, and a stuck
shutdown ends with a thread dump instead of hanging."""
import subprocess
import sys
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def _run(body: str, timeout: float = 30) -> subprocess.CompletedProcess:
    code = "import signal, threading, time\nfrom lakeglue.signals import stop_on_signals, wait_then_bound_shutdown\n"
    return subprocess.run([sys.executable, "-c", code + textwrap.dedent(body)], cwd=str(REPO_ROOT),
                          capture_output=True, text=True, timeout=timeout)


def test_a_signal_delivered_to_another_thread_stops_the_wait():
    # pthread_kill directs SIGTERM at a helper thread; the main thread, blocked in the wait,
    # must still run the handler (an untimed Event.wait() would sleep through it).
    res = _run("""
        stop = stop_on_signals()
        def poke():
            time.sleep(0.3)
            signal.pthread_kill(threading.get_ident(), signal.SIGTERM)
            time.sleep(5)
        threading.Thread(target=poke, daemon=True).start()
        started = time.monotonic()
        wait_then_bound_shutdown(stop, limit=20)
        print("stopped", stop.is_set(), time.monotonic() - started)
    """)
    assert res.returncode == 0, res.stderr
    word, is_set, seconds = res.stdout.split()
    assert (word, is_set) == ("stopped", "True")
    assert float(seconds) < 4  # well before the helper thread's 5 s sleep ends


def test_sigint_also_stops():
    res = _run("""
        import os
        stop = stop_on_signals()
        threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        wait_then_bound_shutdown(stop, limit=20)
        print("stopped")
    """)
    assert res.returncode == 0 and res.stdout.strip() == "stopped", res.stderr


def test_a_stuck_shutdown_is_cut_off_with_every_threads_stack():
    res = _run("""
        import os
        stop = stop_on_signals()
        os.kill(os.getpid(), signal.SIGTERM)
        wait_then_bound_shutdown(stop, limit=1)
        def stuck_cleanup():
            time.sleep(60)
        stuck_cleanup()
        print("never")
    """)
    assert res.returncode == 1
    assert "never" not in res.stdout
    assert "stuck_cleanup" in res.stderr and "Timeout" in res.stderr
