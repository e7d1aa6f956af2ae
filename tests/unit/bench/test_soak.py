import os

from lakeglue.bench.soak import rss_bytes, summarize


def test_rss_of_this_process_and_a_missing_one():
    assert rss_bytes(os.getpid()) > 1_000_000
    assert rss_bytes(2 ** 22 + 12345) is None


def test_summary_judges_memory_after_warm_up():
    mb = 2 ** 20
    # warm-up climbs from 50 to 100 MB; afterwards it wanders 100 → 108 → 104
    samples = [(0, 50 * mb), (10, 80 * mb), (20, 100 * mb), (50, 108 * mb), (100, 104 * mb)]
    rows = summarize(samples, seconds=100, calls=5000)
    assert rows["calls_per_s"]["value"] == 50
    assert rows["rss_after_warmup"]["value"] == 100
    assert rows["rss_end"]["value"] == 104
    assert rows["rss_max"]["value"] == 108
    assert round(rows["rss_drift_end"]["value"], 6) == 4.0
    assert round(rows["rss_drift_max"]["value"], 6) == 8.0


def test_collect_names_the_cause_before_the_broken_barriers():
    import queue

    import pytest

    from lakeglue.bench.procs import collect

    class Done:
        def join(self, timeout=None):
            pass

        def is_alive(self):
            return False

    results = queue.Queue()
    for outcome in (("error", "BrokenBarrierError()"), ("error", "AlreadyExistsException('dup')"),
                    ("error", "BrokenBarrierError()")):
        results.put(outcome)
    with pytest.raises(RuntimeError) as ei:
        collect([Done(), Done(), Done()], results, 1, "soak connections")
    assert str(ei.value) == "3 of 3 soak connections failed: AlreadyExistsException('dup')"
