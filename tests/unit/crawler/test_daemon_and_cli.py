"""Named crawlers in the catalog database: definitions, runs and metrics, the run guard,
schedules, stopping, the file import, and the command-line front ends (`lakeglue crawl`,
`lakeglue crawler …`)."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from crawler.model import CrawlerConfigError, CrawlerDef, next_run_time, normalize_options
from crawler.service import CrawlerService
from crawler.store import CrawlerExists, CrawlerNotFound, CrawlerRunning, CrawlerStore
from lakeglue.cli import build_parser, main
from tests.support.lake import write_csv, write_parquet


@pytest.fixture
def lake(tmp_path):
    write_parquet(tmp_path / "lake" / "sales" / "ds=2024-01-01" / "p.parquet", {"id": [1, 2]})
    write_csv(tmp_path / "lake" / "people" / "p.csv", ["id", "name"], [[1, "a"]])
    return tmp_path / "lake"


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path}/catalog.db"


@pytest.fixture
def store(db_url):
    s = CrawlerStore.open(db_url)
    yield s
    s.close()


@pytest.fixture
def service(store, db_url, tmp_path):
    svc = CrawlerService(store, db_url, warehouse=f"file:{tmp_path}/wh", lease_seconds=5, poll_seconds=0.05)
    yield svc
    svc.close()


def wait_finished(store, run_id, timeout=30):
    deadline = time.time() + timeout
    while store.get_run(run_id).state == "RUNNING" and time.time() < deadline:
        time.sleep(0.05)
    return store.get_run(run_id)


def _define(store, lake, name="nightly", **kw):
    kw.setdefault("options", {"recrawl": "incremental", "exclude": ["people/**"], "partition_types": {"ds": "string"}})
    return store.create(CrawlerDef(name=name, paths=(str(lake),), database="Lake", **kw), time.time())


# --------------------------------------------------------------------------- definitions
def test_create_get_update_list_delete(store, lake):
    c = _define(store, lake, schedule="*/5 * * * *")
    assert c.database == "lake" and c.paths == (str(lake),) and c.run_id is None
    assert c.next_run_on > time.time() and int(c.next_run_on) % 300 == 0
    with pytest.raises(CrawlerExists):
        _define(store, lake)
    cfg = c.crawl_config()
    assert cfg.recrawl == "incremental" and cfg.exclude == ["people/**"] and str(cfg.partition_types["ds"]) == "string"
    u = store.update("nightly", {"schedule": "cron(0 3 * * ? *)", "options": {"exclude": None, "sample_files": 0}},
                     time.time())
    assert u.schedule == "cron(0 3 * * ? *)" and u.options == {"recrawl": "incremental", "sample_files": 0,
                                                              "partition_types": {"ds": "string"}}
    assert time.gmtime(u.next_run_on).tm_hour == 3
    assert [x.name for x in store.list()] == ["nightly"]
    store.delete("nightly", time.time())
    with pytest.raises(CrawlerNotFound):
        store.get("nightly")


@pytest.mark.parametrize("bad,message", [
    (dict(schedule="every tuesday"), "bad cron schedule"),
    (dict(options={"colour": "blue"}), "unknown crawler option"),
    (dict(options={"partition_types": {"ds": "nope"}}), "bad partition type"),
    (dict(options={"recrawl": "sometimes"}), "recrawl must be one of"),
    (dict(options={"workers": "4"}), "must be a int"),
    (dict(name="bad name!"), "bad crawler name"),
    (dict(paths=()), "at least one --path"),
    (dict(metastore_uri="http://x"), "thrift://"),
])
def test_bad_definitions(lake, bad, message):
    fields = dict(name="c", paths=(str(lake),), database="lake")
    fields.update(bad)
    with pytest.raises(CrawlerConfigError, match=message):
        CrawlerDef(**fields).validated()


def test_options_defaults_are_left_out_and_incremental_is_an_alias():
    assert normalize_options({"incremental": True, "workers": 4, "similarity": 1}) == {"recrawl": "incremental",
                                                                                      "similarity": 1.0}


def test_schedules_are_utc_cron():
    t = 1_700_000_000.0  # 2023-11-14T22:13:20Z
    assert next_run_time("*/15 * * * *", t) == 1_700_000_100.0
    assert time.gmtime(next_run_time("cron(30 2 * * ? *)", t))[3:5] == (2, 30)


# --------------------------------------------------------------------------- runs
def test_run_records_history_and_metrics(service, store, lake):
    _define(store, lake)
    run = service.run("nightly")
    assert run.state == "SUCCEEDED" and run.started_by == "MANUAL" and run.seconds >= 0
    m = run.metrics
    assert (m["tables_created"], m["partitions_added"], m["files_read"], m["files_listed"]) == (1, 1, 1, 1)
    again = service.run("nightly")
    assert again.metrics["files_read"] == 0 and again.metrics["files_cached"] == 1  # manifest in the database
    assert "nothing changed since the last crawl" in again.message
    assert [r.id for r in store.runs("nightly")] == [again.id, run.id]
    assert store.last_runs()["nightly"].id == again.id
    assert store.get("nightly").run_id is None


def test_failed_run_is_recorded(service, store, tmp_path):
    store.create(CrawlerDef(name="gone", paths=(str(tmp_path / "missing"),), database="lake"), time.time())
    run = service.run("gone")
    assert run.state == "FAILED" and "does not exist" in run.message
    assert store.get("gone").run_id is None


def test_unreadable_files_do_not_fail_the_run(service, store, lake):
    (lake / "sales" / "ds=2024-01-01" / "bad.parquet").write_bytes(b"PAR1garbage")
    _define(store, lake)
    run = service.run("nightly")
    assert run.state == "SUCCEEDED" and len(run.errors) == 1 and "bad.parquet" in run.errors[0]


def test_run_guard_refuses_a_second_run_and_takes_over_an_expired_lease(store, lake):
    _define(store, lake)
    now = time.time()
    first = store.begin_run("nightly", now, lease_seconds=30)
    with pytest.raises(CrawlerRunning):
        store.begin_run("nightly", now + 10, lease_seconds=30)
    assert store.renew("nightly", first.id, now + 20, 30) is False  # lease renewed to now + 50
    with pytest.raises(CrawlerRunning):
        store.begin_run("nightly", now + 40, lease_seconds=30)
    # the process holding it died: the lease runs out and the next run takes over
    second = store.begin_run("nightly", now + 60, lease_seconds=30)
    old = store.get_run(first.id)
    assert old.state == "FAILED" and "abandoned" in old.message
    assert store.renew("nightly", first.id, now + 61, 30) is None  # the old run lost the crawler
    store.finish_run("nightly", second.id, "SUCCEEDED", now + 70)
    assert store.get("nightly").run_id is None


def test_run_guard_holds_across_processes(store, db_url, lake, tmp_path):
    _define(store, lake)
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(__import__('os').getcwd())!r})
        from crawler.store import CrawlerStore
        s = CrawlerStore.open({db_url!r})
        run = s.begin_run("nightly", time.time(), 60)
        print(run.id, flush=True)
        sys.stdin.readline()
        s.finish_run("nightly", run.id, "SUCCEEDED", time.time())
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        other = proc.stdout.readline().strip()
        assert other.startswith("cr_")
        with pytest.raises(CrawlerRunning, match=other):
            store.begin_run("nightly", time.time(), 60)
        assert main(["crawler", "start", "nightly", "--db-url", db_url, "--no-progress"]) == 2
    finally:
        proc.communicate("\n", timeout=30)
    assert store.get_run(other).state == "SUCCEEDED"
    assert store.begin_run("nightly", time.time(), 60).state == "RUNNING"


class _Blocking:
    """A target whose first catalog read waits for `release` (to hold a crawl mid-run)."""

    def __init__(self, inner, started, release):
        self.inner, self.started, self.release = inner, started, release

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def database_exists(self, name):
        self.started.set()
        assert self.release.wait(20)
        return self.inner.database_exists(name)


def test_stop_cancels_a_run_before_it_writes(store, db_url, lake, tmp_path):
    from crawler.targets.service import ServiceTarget

    started, release = threading.Event(), threading.Event()
    svc = CrawlerService(store, db_url, lease_seconds=1, renew_seconds=0.05, open_target=lambda c: _Blocking(
        ServiceTarget.open(db_url, f"file:{tmp_path}/wh"), started, release))
    try:
        _define(store, lake)
        run = svc.start("nightly")
        assert run.state == "RUNNING" and started.wait(20)
        with pytest.raises(CrawlerRunning):
            svc.start("nightly")
        store.request_stop("nightly")   # as `lakeglue crawler stop` does, from any process
        time.sleep(0.3)                 # the lease keeper notices at its next renewal
        release.set()
        assert wait_finished(store, run.id).state == "CANCELLED"
        assert store.get("nightly").run_id is None
    finally:
        release.set()
        svc.close()


# --------------------------------------------------------------------------- schedules
def test_tick_starts_due_crawlers_once_and_skips_missed_times(store, db_url, lake, tmp_path):
    c = _define(store, lake, schedule="*/5 * * * *")
    due = c.next_run_on
    one = CrawlerService(store, db_url, warehouse=f"file:{tmp_path}/wh")
    two = CrawlerService(store, db_url, warehouse=f"file:{tmp_path}/wh")
    try:
        assert one.tick(due - 1) == []
        started = one.tick(due + 3600) + two.tick(due + 3600)  # two daemons: one run for this time
        assert len(started) == 1 and started[0].started_by == "SCHEDULE"
        assert store.get("nightly").next_run_on > due + 3600  # missed times are skipped, not queued
        assert wait_finished(store, started[0].id).state == "SUCCEEDED"
    finally:
        one.close()
        two.close()


def test_serve_loop_runs_scheduled_crawlers(store, db_url, lake, tmp_path):
    _define(store, lake, schedule="* * * * *")
    clock = [store.get("nightly").next_run_on + 1]
    svc = CrawlerService(store, db_url, warehouse=f"file:{tmp_path}/wh", clock=lambda: clock[0], poll_seconds=0.05)
    stop = threading.Event()
    thread = threading.Thread(target=svc.serve, args=(stop,))
    thread.start()
    try:
        deadline = time.time() + 30
        while not [r for r in store.runs("nightly") if r.finished] and time.time() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
        svc.close()
    assert store.runs("nightly")[0].state == "SUCCEEDED"


# --------------------------------------------------------------------------- run ends → listeners
def test_listeners_get_run_ends_in_process_and_from_the_database(store, db_url, lake, tmp_path):
    _define(store, lake)
    seen = []
    plain = CrawlerService(store, db_url, warehouse=f"file:{tmp_path}/wh")  # e.g. `lakeglue crawler start`
    wired = CrawlerService(store, db_url, warehouse=f"file:{tmp_path}/wh")  # e.g. inside `lakeglue serve`
    wired.add_listener(lambda run: seen.append((run.crawler_name, run.state, "wired")))
    try:
        elsewhere = plain.run("nightly")
        assert store.get_run(elsewhere.id).notified_on is None
        assert [r.id for r in wired.deliver_pending()] == [elsewhere.id]
        assert wired.deliver_pending() == []  # delivered once
        here = wired.run("nightly")
        assert store.get_run(here.id).notified_on is not None
        assert seen == [("nightly", "SUCCEEDED", "wired")] * 2
    finally:
        plain.close()
        wired.close()


# --------------------------------------------------------------------------- the commands
def test_crawler_commands(tmp_path, lake, db_url, capsys, monkeypatch):
    monkeypatch.setenv("LAKEGLUE_HOME", str(tmp_path / "home"))
    db = ["--db-url", db_url]
    assert main(["crawler", "create", "nightly", "--path", str(lake), "-d", "lake", "--schedule", "*/5 * * * *",
                 "--incremental", "--exclude", "people/**", "--partition-type", "ds=string", *db]) == 0
    assert "crawler nightly created; next run" in capsys.readouterr().out
    assert main(["crawler", "create", "nightly", "--path", str(lake), "-d", "lake", *db]) == 2
    assert main(["crawler", "start", "nightly", "--no-progress", *db]) == 0
    out = capsys.readouterr().out
    assert "tables: 1 created" in out and ": SUCCEEDED in" in out
    assert main(["crawler", "list", *db]) == 0
    assert "nightly\tREADY\tlake\t*/5 * * * *\tSUCCEEDED" in capsys.readouterr().out
    assert main(["crawler", "update", "nightly", "--no-schedule", "--reset", "exclude", "--sample-files", "0",
                 *db]) == 0
    capsys.readouterr()
    assert main(["crawler", "show", "nightly", "--json", *db]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["schedule"] is None and shown["options"] == {"partition_types": {"ds": "string"},
                                                              "recrawl": "incremental", "sample_files": 0}
    assert shown["runs"][0]["tables_created"] == 1 and shown["runs"][0]["files_read"] == 1
    assert main(["crawler", "start", "nightly", "--no-progress", *db]) == 0
    capsys.readouterr()
    assert main(["crawler", "runs", "nightly", "--json", *db]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert (runs[0]["tables_created"], runs[0]["files_listed"]) == (1, 2)  # no exclusion: people/ now crawled
    assert main(["crawler", "stop", "nightly", *db]) == 2  # not running
    assert main(["crawler", "show", "nope", *db]) == 2
    assert main(["crawler", "delete", "nightly", *db]) == 0
    assert main(["crawler", "list", *db]) == 0
    assert "no crawlers" in capsys.readouterr().out


def test_import_crawler_files(tmp_path, lake, db_url, capsys):
    import yaml

    doc = {"metastore": None, "state_dir": "/old/ignored", "crawlers": [
        {"name": "a", "paths": [str(lake)], "database": "lake", "schedule": "0 * * * *", "incremental": True,
         "partition_types": {"ds": "string"}},
        {"name": "b", "paths": str(lake), "database": "lake2", "schema_change": "add-only"}]}
    path = tmp_path / "crawlers.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert main(["crawler", "import", str(path), "--db-url", db_url]) == 0
    doc["crawlers"][1]["schema_change"] = "log"
    (tmp_path / "crawlers.json").write_text(json.dumps(doc))
    assert main(["crawler", "import", str(tmp_path / "crawlers.json"), "--db-url", db_url]) == 0
    assert "exists: left as it is" in capsys.readouterr().out
    assert main(["crawler", "import", str(tmp_path / "crawlers.json"), "--replace", "--db-url", db_url]) == 0
    s = CrawlerStore.open(db_url)
    try:
        assert s.get("a").options == {"recrawl": "incremental", "partition_types": {"ds": "string"}}
        assert s.get("b").options == {"schema_change": "log"} and s.get("b").paths == (str(lake),)
    finally:
        s.close()
    path.write_text(yaml.safe_dump({"crawlers": [{"name": "c", "paths": ["/x"], "database": "d", "colour": 1}]}))
    assert main(["crawler", "import", str(path), "--db-url", db_url]) == 2


def test_crawl_command_in_process(tmp_path, lake, capsys, monkeypatch):
    monkeypatch.setenv("LAKEGLUE_HOME", str(tmp_path / "home"))
    db = f"sqlite:///{tmp_path}/cli.db"
    rc = main(["crawl", str(lake), "--database", "Lake", "--db-url", db, "--dry-run", "--explain",
               "--partition-type", "ds=string"])
    out = capsys.readouterr().out
    assert rc == 0 and "partitioned by ds string" in out and "Table decisions:" in out
    assert out.rstrip().splitlines()[-1].startswith("dry run: 2 table(s) created, 0 updated, 0 deprecated; "
                                                   "1 partition(s) added; 2 file(s) read; ")
    assert main(["crawl", str(lake), "-d", "lake", "--db-url", db, "--partition-type", "ds"]) == 2
    assert main(["crawl", str(tmp_path / "nowhere"), "-d", "lake", "--db-url", db]) == 2
    assert main(["crawl", str(lake), "-d", "lake", "--db-url", db, "--table-threshold", "1"]) == 3
    assert main(["crawl", str(lake), "-d", "lake", "--db-url", db, "--table-prefix", "raw_"]) == 0
    out = capsys.readouterr()
    assert "tables: 2 created" in out.out
    assert out.out.rstrip().splitlines()[-1].startswith("done: 2 table(s) created")
    assert "reading: 2 files read" in out.err and "writing: 2 tables written" in out.err  # plain progress
    from crawler.targets.service import ServiceTarget

    target = ServiceTarget.open(db)
    try:
        assert sorted(t.name for t in target.list_tables("lake")) == ["raw_people", "raw_sales"]
    finally:
        target.close()


def test_progress_bar_on_a_terminal_and_lines_otherwise():
    from crawler.cli import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty = Tty()
    p = Progress(tty)
    p("reading", 5, 10)
    p("reading", 10, 10)
    p.finish()
    assert "\rreading  [###############...............] 5/10" in tty.getvalue()
    plain = io.StringIO()
    p = Progress(plain, interval=3600)
    for i in range(1, 101):
        p("reading", i, 100)
    p("writing", 1, 3)
    p.finish()
    assert plain.getvalue().splitlines() == ["reading: 1/100 files (1%)", "reading: 100 files read",
                                             "writing: 1/3 tables (33%)"]
    quiet = io.StringIO()
    Progress(quiet, enabled=False)("reading", 1, 1)
    assert quiet.getvalue() == ""


def test_crawl_parser_options():
    args = build_parser().parse_args(["crawl", "s3://b/p", "/x", "-d", "db", "--metastore", "thrift://h:1",
                                      "--exclude", "a/**", "--exclude", "*.tmp", "--table-level", "2",
                                      "--schema-change", "add-only", "--delete-behavior", "delete",
                                      "--incremental", "--sample-files", "3"])
    assert args.paths == ["s3://b/p", "/x"] and args.exclude == ["a/**", "*.tmp"]
    assert (args.table_level, args.schema_change, args.delete_behavior) == (2, "add-only", "delete")
    assert args.sample_files == 3
    with pytest.raises(SystemExit):
        build_parser().parse_args(["crawl", "/x", "-d", "db", "--metastore", "thrift://h:1", "--db-url", "x"])
    named = build_parser().parse_args(["crawler", "update", "c", "--workers", "2"])
    from crawler.cli import options_from_args

    assert options_from_args(named) == {"workers": 2}
