"""metastore.gcpause: the collector is paused while any holder is inside, and resumes after."""
import gc
import threading

from metastore.gcpause import gc_paused


def test_the_collector_pauses_while_any_holder_is_inside_and_resumes_after():
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def other():
        with gc_paused():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=other)
    with gc_paused():
        assert not gc.isenabled()
        t.start()
        assert inside.wait(10)
    assert not gc.isenabled()  # the other thread is still inside
    release.set()
    t.join(10)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # survivors moved to the oldest generation, not kept frozen


def test_a_disabled_collector_stays_disabled():
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
