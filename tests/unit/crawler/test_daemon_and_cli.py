"""Named crawlers from a config file, the scheduler, and the command-line front end."""
from __future__ import annotations

import json
import threading

import pytest

from crawler.daemon import (ConfigError, CrawlerBusy, Scheduler, crawler_lock, load_config, run_crawler,
                            run_history)
from lakeglue.cli import build_parser, main
from tests.support.lake import write_csv, write_parquet


@pytest.fixture
def lake(tmp_path):
    write_parquet(tmp_path / "lake" / "sales" / "ds=2024-01-01" / "p.parquet", {"id": [1, 2]})
    write_csv(tmp_path / "lake" / "people" / "p.csv", ["id", "name"], [[1, "a"]])
    return tmp_path / "lake"


def _config(tmp_path, lake, fmt="yaml", **extra):
    crawler = {"name": "nightly", "paths": [str(lake)], "database": "lake", "schedule": "*/5 * * * *",
               "incremental": True, "exclude": ["people/**"], "partition_types": {"ds": "string"}, **extra}
    doc = {"db_url": f"sqlite:///{tmp_path}/catalog.db", "warehouse": f"file:{tmp_path}/wh",
           "state_dir": str(tmp_path / "state"), "crawlers": [crawler]}
    path = tmp_path / f"crawlers.{fmt}"
    if fmt == "yaml":
        import yaml

        path.write_text(yaml.safe_dump(doc))
    else:
        path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_load_config(tmp_path, lake, fmt):
    config = load_config(str(_config(tmp_path, lake, fmt)))
    spec = config.spec("nightly")
    assert spec.schedule == "*/5 * * * *" and spec.paths == [str(lake)]
    cfg = spec.crawl_config(config.state_dir)
    assert cfg.incremental and cfg.exclude == ["people/**"] and str(cfg.partition_types["ds"]) == "string"


@pytest.mark.parametrize("bad,message", [
    ({"schedule": "every tuesday"}, "bad cron schedule"),
    ({"colour": "blue"}, "unknown option"),
    ({"partition_types": {"ds": "nope"}}, "bad partition type"),
])
def test_bad_config(tmp_path, lake, bad, message):
    path = _config(tmp_path, lake, **bad)
    with pytest.raises(ConfigError, match=message):
        load_config(str(path)).spec("nightly").crawl_config(None)


def test_run_crawler_records_history_and_locks(tmp_path, lake):
    config = load_config(str(_config(tmp_path, lake)))
    record = run_crawler(config, "nightly")
    assert record["status"] == "succeeded" and record["tables_created"] == 1 and record["files_read"] == 1
    assert record["partitions_added"] == 1 and record["seconds"] >= 0
    second = run_crawler(config, "nightly")
    assert second["files_read"] == 0 and second["tables_created"] == 0  # incremental
    assert [r["status"] for r in run_history(config, "nightly")] == ["succeeded", "succeeded"]
    with crawler_lock(str(tmp_path / "state"), "nightly"):
        with pytest.raises(CrawlerBusy):
            run_crawler(config, "nightly")


def test_failed_run_is_recorded(tmp_path, lake):
    config = load_config(str(_config(tmp_path, lake)))
    config.crawlers[0].paths = [str(tmp_path / "missing")]
    record = run_crawler(config, "nightly")
    assert record["status"] == "failed" and "does not exist" in record["errors"][0]


def test_scheduler_runs_when_due_one_run_at_a_time(tmp_path, lake):
    config = load_config(str(_config(tmp_path, lake)))
    now = [1_700_000_000.0]  # 2023-11-14T22:13:20Z
    ran = []
    scheduler = Scheduler(config, runner=lambda name: ran.append((name, now[0])) or {"crawler": name},
                          clock=lambda: now[0])
    due = scheduler.next_due["nightly"]
    assert due > now[0] and int(due) % 300 == 0
    assert scheduler.run_due() == [] and ran == []
    now[0] = due + 1
    assert len(scheduler.run_due()) == 1 and ran == [("nightly", due + 1)]
    assert scheduler.next_due["nightly"] == due + 300
    now[0] = due + 3600  # missed runs are skipped, not queued
    scheduler.run_due()
    assert len(ran) == 2 and scheduler.next_due["nightly"] > now[0]


def test_scheduler_serve_loop_with_real_runs(tmp_path, lake):
    config = load_config(str(_config(tmp_path, lake)))
    clock = [0.0]
    scheduler = Scheduler(config, clock=lambda: clock[0])
    clock[0] = scheduler.next_due["nightly"]
    assert scheduler.serve(threading.Event(), max_runs=1) == 1
    assert run_history(config, "nightly")[0]["status"] == "succeeded"


def test_crawler_commands(tmp_path, lake, capsys):
    path = str(_config(tmp_path, lake))
    assert main(["crawler", "run", "nightly", "--config", path]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "succeeded"
    assert main(["crawler", "list", "--config", path]) == 0
    assert "nightly\tlake\t*/5 * * * *" in capsys.readouterr().out
    assert main(["crawler", "run", "nope", "--config", path]) == 2


def test_crawl_command_in_process(tmp_path, lake, capsys, monkeypatch):
    monkeypatch.setenv("LAKEGLUE_HOME", str(tmp_path / "home"))
    db = f"sqlite:///{tmp_path}/cli.db"
    rc = main(["crawl", str(lake), "--database", "Lake", "--db-url", db, "--dry-run", "--explain",
               "--partition-type", "ds=string"])
    out = capsys.readouterr().out
    assert rc == 0 and "partitioned by ds string" in out and "Table decisions:" in out
    assert main(["crawl", str(lake), "-d", "lake", "--db-url", db, "--partition-type", "ds"]) == 2
    assert main(["crawl", str(tmp_path / "nowhere"), "-d", "lake", "--db-url", db]) == 2
    assert main(["crawl", str(lake), "-d", "lake", "--db-url", db, "--table-threshold", "1"]) == 3
    assert main(["crawl", str(lake), "-d", "lake", "--db-url", db]) == 0
    assert "tables: 2 created" in capsys.readouterr().out


def test_crawl_parser_options():
    args = build_parser().parse_args(["crawl", "s3://b/p", "/x", "-d", "db", "--metastore", "thrift://h:1",
                                      "--exclude", "a/**", "--exclude", "*.tmp", "--table-level", "2",
                                      "--schema-change", "add-only", "--delete-behavior", "delete",
                                      "--incremental"])
    assert args.paths == ["s3://b/p", "/x"] and args.exclude == ["a/**", "*.tmp"]
    assert (args.table_level, args.schema_change, args.delete_behavior) == (2, "add-only", "delete")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["crawl", "/x", "-d", "db", "--metastore", "thrift://h:1", "--db-url", "x"])
