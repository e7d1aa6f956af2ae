"""The notification log: DDL changes as Hive NotificationEvents, in order, written atomically."""
from __future__ import annotations

import json

import pytest
from hive_metastore import ttypes as tt


def _events(hms, after):
    return hms.get_next_notification(tt.NotificationEventRequest(lastEvent=after, maxEvents=1000)).events


def test_ddl_changes_are_logged_in_order(hms):
    start = hms.get_current_notificationEventId().eventId
    hms.create_database(tt.Database(name="ev"))
    sd = tt.StorageDescriptor(cols=[tt.FieldSchema("id", "int", None)], serdeInfo=tt.SerDeInfo(parameters={}))
    hms.create_table(tt.Table(tableName="t", dbName="ev", sd=sd, partitionKeys=[tt.FieldSchema("p", "string", None)],
                              parameters={}))
    hms.add_partitions([tt.Partition(values=["a"], dbName="ev", tableName="t", sd=sd),
                        tt.Partition(values=["b"], dbName="ev", tableName="t", sd=sd)])
    t = hms.get_table("ev", "t")
    t.parameters["owner_note"] = "x"
    hms.alter_table("ev", "t", t)
    hms.drop_partition("ev", "t", ["a"], True)
    hms.drop_table("ev", "t", True)
    hms.drop_database("ev", True, False)
    events = _events(hms, start)
    assert [e.eventType for e in events] == ["CREATE_DATABASE", "CREATE_TABLE", "ADD_PARTITION", "ALTER_TABLE",
                                            "DROP_PARTITION", "DROP_TABLE", "DROP_DATABASE"]
    ids = [e.eventId for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) and ids[0] > start
    add = json.loads(events[2].message)
    assert add["partitions"] == ["p=a", "p=b"] and events[2].dbName == "ev" and events[2].tableName == "t"
    alter = json.loads(events[3].message)
    assert alter["tableAfter"]["parameters"]["owner_note"] == "x"
    assert all(e.messageFormat == "lakeglue-json-1.0" and e.catName == "hive" for e in events)
    assert hms.get_current_notificationEventId().eventId == ids[-1]
    count = hms.get_notification_events_count(tt.NotificationEventsCountRequest(fromEventId=start, dbName="ev"))
    assert count.eventsCount == 7
    skipped = hms.get_next_notification(tt.NotificationEventRequest(
        lastEvent=start, maxEvents=2, eventTypeSkipList=["CREATE_DATABASE"])).events
    assert [e.eventType for e in skipped] == ["CREATE_TABLE", "ADD_PARTITION"]


def test_failed_writes_log_nothing(hms):
    hms.create_database(tt.Database(name="ev2"))
    before = hms.get_current_notificationEventId().eventId
    with pytest.raises(tt.AlreadyExistsException):
        hms.create_database(tt.Database(name="ev2"))
    with pytest.raises(tt.NoSuchObjectException):
        hms.drop_table("ev2", "missing", True)
    assert hms.get_current_notificationEventId().eventId == before
    assert _events(hms, before) == []
