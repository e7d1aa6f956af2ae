"""Job bookmarks: file and table sources, modes, versioned commits applied only by
successful runs, reset / rewind / set-to-now, and a growing folder end to end over gRPC."""
import datetime as dt
import decimal
import json
import os
import time

import pytest

from jobrunner.errors import Conflict, FailedPrecondition
from jobrunner.model import BookmarkMode, JobRun, RunState
from jobrunner.runtime import BookmarkConflict, JobContext, init_job
from jobrunner.runtime.bookmarks import decode_value, encode_value, list_files, select_new_files

from .conftest import python_job

HOUR = 3600.0


def _touch(folder, name, mtime, content="x"):
    path = folder / name
    path.write_text(content)
    os.utime(path, (mtime, mtime))
    return str(path)


# --- file sources (pure) -------------------------------------------------------------------

def test_files_new_since_the_last_commit(tmp_path):
    t0 = 1_700_000_000.0
    a = _touch(tmp_path, "a.json", t0)
    b = _touch(tmp_path, "b.json", t0 + 10)
    _touch(tmp_path, "_SUCCESS", t0 + 10)
    _touch(tmp_path, ".hidden", t0 + 10)
    new, state = select_new_files(list_files(str(tmp_path), "*.json"), None, window=HOUR)
    assert new == [a, b] and state["high_water"] == t0 + 10
    c = _touch(tmp_path, "c.json", t0 + 20)
    new, state2 = select_new_files(list_files(str(tmp_path), "*.json"), state, window=HOUR)
    assert new == [c] and state2["high_water"] == t0 + 20
    new, _ = select_new_files(list_files(str(tmp_path), "*.json"), state2, window=HOUR)
    assert new == []


def test_late_and_changed_files_inside_the_window_are_picked_up(tmp_path):
    t0 = 1_700_000_000.0
    _touch(tmp_path, "a.json", t0)
    b = _touch(tmp_path, "b.json", t0 + 100)
    _, state = select_new_files(list_files(str(tmp_path)), None, window=60)
    late = _touch(tmp_path, "late.json", t0 + 90)        # older mtime, inside the window
    _touch(tmp_path, "too-late.json", t0 + 10)           # older than the window: lost (documented)
    _touch(tmp_path, "b.json", t0 + 100, content="changed, same mtime")  # size differs
    new, state2 = select_new_files(list_files(str(tmp_path)), state, window=60)
    assert new == [b, late]
    assert set(state2["files"]) == {b, late}             # only the window is remembered


def test_set_to_now_floor_skips_everything_older(tmp_path):
    t0 = 1_700_000_000.0
    _touch(tmp_path, "old.json", t0)
    fresh = _touch(tmp_path, "fresh.json", t0 + 500)
    new, state = select_new_files(list_files(str(tmp_path)), None, window=60, floor=t0 + 100)
    assert new == [fresh] and state["high_water"] == t0 + 500


def test_files_under_an_fsspec_uri():
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/landing/x/1.csv", b"1")
    fs.pipe("/landing/x/2.csv", b"2")
    files = list_files("memory://landing", "*.csv")
    assert [f[0] for f in files] == ["memory:///landing/x/1.csv", "memory:///landing/x/2.csv"]


# --- table sources (pure) ------------------------------------------------------------------

def _ctx(committed=None, mode="ENABLE", floor=None, updated_on=None):
    class Fake:
        def __init__(self):
            self.commits = []

        def get(self, job):
            entries = {"orders": {"state": committed, "updated_on": updated_on}} if committed else {}
            return {"version": 7, "now_floor": floor, "entries": entries}

        def commit(self, job, run_id, base, states):
            self.commits.append((base, json.loads(json.dumps(states))))
            return {"staged": True, "version": base}

        def close(self):
            pass

    fake = Fake()
    return JobContext("j", "jr_1", {}, bookmark_mode=mode, bookmarks=fake), fake


def test_table_rows_above_the_committed_key_tuple():
    rows = [{"day": "2024-01-01", "id": i} for i in (1, 2)] + [{"day": "2024-01-02", "id": 1}]
    ctx, fake = _ctx({"kind": "table", "keys": ["day", "id"], "last": ["2024-01-01", 1]})
    got = ctx.bookmark("orders").filter_rows(rows, ["day", "id"])
    assert got == rows[1:]
    assert ctx.commit() is True
    assert fake.commits == [(7, {"orders": {"kind": "table", "keys": ["day", "id"], "last": ["2024-01-02", 1]}})]


def test_modes_disable_and_pause():
    rows = [{"id": i} for i in range(5)]
    state = {"kind": "table", "keys": ["id"], "last": [2]}
    paused, fake = _ctx(state, mode="PAUSE")
    assert [r["id"] for r in paused.bookmark("orders").filter_rows(rows, ["id"])] == [3, 4]
    assert paused.commit() is False and fake.commits == []
    disabled, fake = _ctx(state, mode="DISABLE")
    assert len(disabled.bookmark("orders").filter_rows(rows, ["id"])) == 5
    assert disabled.commit() is False


def test_changed_keys_start_the_source_over_and_set_to_now_skips_current_rows():
    rows = [{"id": i, "v": i} for i in range(3)]
    ctx, _ = _ctx({"kind": "table", "keys": ["v"], "last": [99]})
    assert len(ctx.bookmark("orders").filter_rows(rows, ["id"])) == 3
    ctx, fake = _ctx({"kind": "table", "keys": ["id"], "last": [0]}, floor=100.0, updated_on=50.0)
    assert ctx.bookmark("orders").filter_rows(rows, ["id"]) == []
    ctx.commit()
    assert fake.commits[0][1]["orders"]["last"] == [2]


def test_key_values_round_trip():
    for v in (1, 2.5, "x", dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4, 5), decimal.Decimal("1.10")):
        assert decode_value(json.loads(json.dumps(encode_value(v)))) == v


# --- the runner's side ---------------------------------------------------------------------

HOLD = """
import os, sys, time
from jobrunner.runtime import init_job
job = init_job()
while not os.path.exists(os.environ["GO_FILE"] + "." + job.args["tag"]):
    time.sleep(0.05)
"""


def test_commits_apply_only_when_the_run_succeeds(runner, scripts, tmp_path, monkeypatch):
    monkeypatch.setenv("GO_FILE", str(tmp_path / "go"))
    svc = runner.service
    svc.create_job(python_job("bm", scripts("hold.py", HOLD), max_concurrent_runs=3,
                              bookmark_mode=BookmarkMode.ENABLE))
    ok = svc.start_job_run("bm", {"tag": "ok"})
    bad = svc.start_job_run("bm", {"tag": "bad"})
    for r in (ok, bad):
        while svc.get_job_run(r.id).state is not RunState.RUNNING:
            time.sleep(0.05)
    assert svc.commit_job_bookmark("bm", bad.id, 0, {"src": {"n": "bad"}})["staged"]
    assert svc.get_job_bookmark("bm").version == 0       # staged, not applied
    svc.stop_job_run(bad.id)                             # a run that does not succeed …
    assert svc.wait_for_run(bad.id, 30).state is RunState.STOPPED
    assert svc.get_job_bookmark("bm").version == 0       # … never advances the bookmark
    assert svc.commit_job_bookmark("bm", ok.id, 0, {"src": {"n": 1}})["staged"]
    (tmp_path / "go.ok").touch()
    assert svc.wait_for_run(ok.id, 30).state is RunState.SUCCEEDED
    bm = svc.get_job_bookmark("bm")
    assert bm.version == 1 and bm.run_id == ok.id and dict(bm.entries["src"].state) == {"n": 1}


def test_two_concurrent_runs_cannot_both_commit(db_url, make_runner, scripts, tmp_path, monkeypatch):
    monkeypatch.setenv("GO_FILE", str(tmp_path / "go"))
    runner = make_runner(db_url).start()
    svc = runner.service
    svc.create_job(python_job("bm", scripts("hold.py", HOLD), max_concurrent_runs=2,
                              bookmark_mode=BookmarkMode.ENABLE))
    a = svc.start_job_run("bm", {"tag": "a"})
    b = svc.start_job_run("bm", {"tag": "b"})
    for r in (a, b):
        while svc.get_job_run(r.id).state is not RunState.RUNNING:
            time.sleep(0.05)
    base = svc.get_job_bookmark("bm").version            # both runs read version 0
    svc.commit_job_bookmark("bm", a.id, base, {"src": {"from": "a"}})
    svc.commit_job_bookmark("bm", b.id, base, {"src": {"from": "b"}})
    (tmp_path / "go.a").touch()
    assert svc.wait_for_run(a.id, 30).state is RunState.SUCCEEDED
    (tmp_path / "go.b").touch()
    lost = svc.wait_for_run(b.id, 30)
    assert lost.state is RunState.FAILED and "another run committed" in lost.error_message
    bm = svc.get_job_bookmark("bm")
    assert bm.version == 1 and dict(bm.entries["src"].state) == {"from": "a"}
    with pytest.raises(Conflict):                        # and a stale commit is refused at once
        svc.commit_job_bookmark("bm", None, base, {"src": {"from": "late"}})


def test_reset_rewind_and_set_to_now(runner, scripts):
    svc = runner.service
    svc.create_job(python_job("bm", scripts("noop.py", "pass\n"), bookmark_mode=BookmarkMode.ENABLE))
    runs = []
    for n in (1, 2):
        run = JobRun(id=f"jr_{n}", job_name="bm", state=RunState.RUNNING, queued_on=time.time())
        with svc.store.tx.write() as conn:  # a running run (not supervised here) that committed n
            svc.store.insert_run(conn, run)
        svc.commit_job_bookmark("bm", run.id, n - 1, {"src": {"n": n}})
        with svc.store.tx.write() as conn:
            svc.bookmarks.apply_staged(conn, run, time.time())
        runs.append(run.id)
    assert dict(svc.get_job_bookmark("bm").entries["src"].state) == {"n": 2}
    rewound = svc.rewind_job_bookmark("bm", runs[0])
    assert dict(rewound.entries["src"].state) == {"n": 1} and rewound.version == 3
    with pytest.raises(FailedPrecondition, match="never committed"):
        svc.rewind_job_bookmark("bm", "jr_unknown")
    now = svc.set_job_bookmark_to_now("bm")
    assert now.now_floor is not None and now.version == 4 and "src" in now.entries
    reset = svc.reset_job_bookmark("bm")
    assert reset.entries == {} and reset.now_floor is None and reset.version == 5


# --- end to end over gRPC: a growing folder ------------------------------------------------

INGEST = """
import json, os, sys
from jobrunner.runtime import init_job
job = init_job()
files = job.bookmark("landing").new_files(job.args["folder"], "*.csv")
with open(job.args["out"], "a") as out:
    out.write(json.dumps({"run": job.run_id, "files": [os.path.basename(f) for f in files]}) + "\\n")
job.commit()
if job.args.get("fail_after_commit") == "yes":
    raise RuntimeError("failed after commit()")
"""


def test_a_growing_folder_is_processed_incrementally(tmp_path):
    from jobrunner._proto import jobrunner_pb2 as pb
    from jobrunner.client import JobRunnerClient
    from jobrunner.server import JobRunnerConfig, JobRunnerServer

    landing = tmp_path / "landing"
    landing.mkdir()
    out = tmp_path / "processed.jsonl"
    script = tmp_path / "ingest.py"
    script.write_text(INGEST)
    server = JobRunnerServer(JobRunnerConfig(port=0, db_url=f"sqlite:///{tmp_path}/c.db",
                                             state_dir=str(tmp_path / "state"), stop_grace_seconds=1)).start()
    client = JobRunnerClient(server.address)
    try:
        client.create_job(pb.Job(name="ingest", script_location=str(script), job_type=pb.Job.PYTHON_SHELL,
                                 bookmark_mode=pb.Job.ENABLE,
                                 default_arguments={"folder": str(landing), "out": str(out)}))
        t0 = time.time() - 100

        def run(**args):
            r = client.start_job_run("ingest", args)
            done = server.service.wait_for_run(r.id, 60)
            return done, json.loads(out.read_text().splitlines()[-1])["files"]

        _touch(landing, "1.csv", t0)
        _touch(landing, "2.csv", t0 + 1)
        done, files = run()
        assert done.state is RunState.SUCCEEDED and files == ["1.csv", "2.csv"]
        _touch(landing, "3.csv", t0 + 2)
        done, files = run()
        assert files == ["3.csv"]                      # only the new file
        _touch(landing, "4.csv", t0 + 3)
        done, files = run(fail_after_commit="yes")
        assert done.state is RunState.FAILED and files == ["4.csv"]
        done, files = run()
        assert done.state is RunState.SUCCEEDED and files == ["4.csv"]   # the failed run did not advance
        done, files = run(**{"job-bookmark-option": "job-bookmark-disable"})
        assert files == ["1.csv", "2.csv", "3.csv", "4.csv"]
        bm = client.stub.GetJobBookmark(pb.GetJobBookmarkRequest(job_name="ingest"))
        assert json.loads(bm.entries["landing"].state_json)["high_water"] == pytest.approx(t0 + 3)
        client.stub.ResetJobBookmark(pb.ResetJobBookmarkRequest(job_name="ingest"))
        done, files = run()
        assert files == ["1.csv", "2.csv", "3.csv", "4.csv"]
    finally:
        client.close()
        server.stop(stop_runs=True)


# A script that ignores its bookmark mode and commits straight over gRPC, as any client could.
BYPASS = """
import json, os
from jobrunner.runtime import _GrpcBookmarks, init_job
job = init_job()
client = _GrpcBookmarks(os.environ["LAKEGLUE_JOBRUNNER_ADDRESS"])
base = int(job.args["base"]) if "base" in job.args else client.get(job.name)["version"]
out = client.commit(job.name, job.run_id, base, {"src": {"by": job.run_id}})
with open(job.args["out"], "a") as f:
    f.write(json.dumps({"mode": job.bookmark_mode, "staged": out["staged"], "version": out["version"]}) + "\\n")
"""


def test_the_runner_ignores_commits_of_runs_in_mode_disable_or_pause(tmp_path):
    """Enforced by the runner, not only by the runtime: a DISABLE or PAUSE run's commit (over
    gRPC, from the run's own process) is accepted but neither staged nor applied."""
    from jobrunner._proto import jobrunner_pb2 as pb
    from jobrunner.client import JobRunnerClient
    from jobrunner.server import JobRunnerConfig, JobRunnerServer

    out = tmp_path / "commits.jsonl"
    script = tmp_path / "bypass.py"
    script.write_text(BYPASS)
    server = JobRunnerServer(JobRunnerConfig(port=0, db_url=f"sqlite:///{tmp_path}/c.db",
                                             state_dir=str(tmp_path / "state"), stop_grace_seconds=1)).start()
    client = JobRunnerClient(server.address)
    try:
        client.create_job(pb.Job(name="bm", script_location=str(script), job_type=pb.Job.PYTHON_SHELL,
                                 bookmark_mode=pb.Job.ENABLE, default_arguments={"out": str(out)}))

        def run(**args):
            r = client.start_job_run("bm", args)
            done = server.service.wait_for_run(r.id, 60)
            assert done.state is RunState.SUCCEEDED, done.error_message
            bm = client.stub.GetJobBookmark(pb.GetJobBookmarkRequest(job_name="bm"))
            return r.id, json.loads(out.read_text().splitlines()[-1]), bm

        first, commit, bm = run()                      # ENABLE: staged, applied on success
        assert commit == {"mode": "ENABLE", "staged": True, "version": 0}
        assert bm.version == 1 and bm.run_id == first
        _, commit, bm = run(**{"job-bookmark-option": "job-bookmark-pause"})
        assert commit == {"mode": "PAUSE", "staged": False, "version": 1}
        assert bm.version == 1 and bm.run_id == first  # PAUSE: read, never advanced
        assert json.loads(bm.entries["src"].state_json) == {"by": first}
        _, commit, bm = run(**{"job-bookmark-option": "job-bookmark-disable", "base": "0"})
        assert commit == {"mode": "DISABLE", "staged": False, "version": 1}  # ignored, even at a stale version
        assert bm.version == 1 and bm.run_id == first
        client.update_job(pb.Job(name="bm", bookmark_mode=pb.Job.DISABLE), ["bookmark_mode"])
        _, commit, bm = run()                          # the job's own mode counts too
        assert commit == {"mode": "DISABLE", "staged": False, "version": 1}
        assert bm.version == 1 and bm.run_id == first
        last, commit, bm = run(**{"job-bookmark-option": "job-bookmark-enable"})  # a run may enable it
        assert commit == {"mode": "ENABLE", "staged": True, "version": 1}
        assert bm.version == 2 and bm.run_id == last
    finally:
        client.close()
        server.stop(stop_runs=True)


def test_outside_the_runner_bookmarks_are_disabled(monkeypatch, tmp_path):
    for var in ("LAKEGLUE_JOB_NAME", "LAKEGLUE_JOB_RUN_ID", "LAKEGLUE_JOB_ARGUMENTS", "LAKEGLUE_JOBRUNNER_ADDRESS",
                "LAKEGLUE_BOOKMARK_MODE"):
        monkeypatch.delenv(var, raising=False)
    _touch(tmp_path, "a.csv", 1)
    job = init_job(["etl.py", "--day", "3", "--job-bookmark-option", "job-bookmark-enable"])
    assert job.name == "etl" and job.args["day"] == "3" and job.bookmark_mode == "DISABLE"
    assert len(job.bookmark("x").new_files(str(tmp_path))) == 1
    assert job.commit() is False


def test_runtime_conflict_surfaces_as_bookmark_conflict(runner, scripts):
    svc = runner.service
    svc.create_job(python_job("bm", scripts("noop.py", "pass\n"), bookmark_mode=BookmarkMode.ENABLE))
    from jobrunner.runtime import _ServiceBookmarks

    job = JobContext("bm", None, {}, bookmark_mode="ENABLE", bookmarks=_ServiceBookmarks(svc))
    job.bookmark("s").filter_rows([{"id": 1}], ["id"])
    svc.commit_job_bookmark("bm", None, 0, {"other": {"n": 1}})  # someone else commits first
    with pytest.raises(BookmarkConflict):
        job.commit()
