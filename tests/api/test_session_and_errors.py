"""Session calls every client makes first, fb303, and how the server treats bad requests."""
from __future__ import annotations

import socket
import struct
import time

import pytest
from fb303 import ttypes as fb
from hive_metastore import ttypes as tt
from thrift.Thrift import TApplicationException

from tests.api.helpers import require_socket, socket_only
from tests.support.catalog import ThriftClient


# --- session ------------------------------------------------------------------------------
def test_set_ugi_returns_groups_then_user(hms):
    assert hms.set_ugi("alice", ["staff", "eng"]) == ["staff", "eng", "alice"]
    assert hms.set_ugi("bob", []) == ["bob"]


def test_get_config_value_known_key(hms):
    assert hms.get_config_value("hive.exec.default.partition.name", "x") == "__HIVE_DEFAULT_PARTITION__"


def test_get_config_value_unknown_key_returns_default(hms):
    assert hms.get_config_value("hive.lakeglue.no.such.key", "fallback") == "fallback"
    assert hms.get_config_value("hive.lakeglue.no.such.key", "") == ""


def test_get_config_value_warehouse_dir(hms, warehouse):
    assert hms.get_config_value("hive.metastore.warehouse.dir", "") == warehouse


def test_fb303_identity_and_status(hms):
    before = int(time.time())
    assert hms.getName() == "lakeglue"
    version = hms.getVersion()
    assert isinstance(version, str) and version
    assert hms.getStatus() == fb.fb_status.ALIVE
    alive = hms.aliveSince()
    assert 0 < alive <= before + 1


def test_shutdown_does_not_stop_the_server(hms):
    hms.shutdown()  # oneway in fb303; Hive's client sends it on close()
    assert "default" in hms.get_all_databases()
    assert hms.getStatus() == fb.fb_status.ALIVE


@socket_only
def test_shutdown_then_same_and_new_connection_work(hms):
    client = require_socket(hms)
    client.shutdown()
    time.sleep(0.2)  # give a (wrongly) stopping server time to go away
    fresh = ThriftClient(client.host, client.port)
    try:
        assert fresh.get_database("default").name == "default"
    finally:
        fresh.close()
    assert client.get_database("default").name == "default"


def test_default_database_exists_with_warehouse_root(hms, warehouse):
    db = hms.get_database("default")
    assert db.name == "default"
    assert db.locationUri == warehouse
    assert hms.get_all_databases() == ["default"]


# --- unknown methods and malformed input (real socket only) -------------------------------
@socket_only
def test_unknown_method_answers_unknown_method_and_connection_survives(hms):
    client = require_socket(hms)
    with pytest.raises(TApplicationException) as ei:
        client.get_lock_materialization_rebuild("default", "t", 1)
    assert ei.value.type == TApplicationException.UNKNOWN_METHOD == 1
    assert "get_lock_materialization_rebuild" in ei.value.message
    # the same connection keeps working
    assert client.get_database("default").name == "default"
    with pytest.raises(TApplicationException) as ei:
        client.heartbeat_lock_materialization_rebuild("default", "t", 1)
    assert ei.value.type == TApplicationException.UNKNOWN_METHOD
    assert client.get_all_databases() == ["default"]


@socket_only
def test_unknown_method_on_a_raw_client(hms):
    client = require_socket(hms)
    raw = ThriftClient(client.host, client.port)
    try:
        with pytest.raises(TApplicationException) as ei:
            raw.client.get_lock_materialization_rebuild("default", "t", 7)
        assert ei.value.type == TApplicationException.UNKNOWN_METHOD
        assert raw.client.getStatus() == fb.fb_status.ALIVE
    finally:
        raw.close()


def _recv_until_closed(sock: socket.socket, timeout: float = 10.0) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def _string(value: str) -> bytes:
    raw = value.encode()
    return struct.pack("!i", len(raw)) + raw


@pytest.mark.parametrize("garbage", [
    pytest.param(b"\xde\xad\xbe\xef" * 16, id="bad-version"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", id="http-request"),
    pytest.param(b"\x7f\xff\xff\xff" + b"x" * 64, id="huge-unversioned-name"),
    pytest.param(b"\x80\x01\x00\x01" + b"\x7f\xff\xff\xff" + b"get", id="huge-method-name"),
])
@socket_only
def test_malformed_bytes_close_only_that_connection(hms, garbage):
    client = require_socket(hms)
    with socket.create_connection((client.host, client.port), timeout=10) as bad:
        bad.sendall(garbage)
        # the server gives up on this connection instead of waiting for (or allocating) more
        _recv_until_closed(bad)
    assert client.get_database("default").name == "default"
    other = ThriftClient(client.host, client.port)
    try:
        assert other.get_all_databases() == ["default"]
    finally:
        other.close()


@socket_only
def test_malformed_arguments_answer_protocol_error(hms):
    client = require_socket(hms)
    # A well-formed CALL header for get_database whose argument is a string field claiming a
    # negative length.
    msg = (struct.pack("!I", 0x80010001) + _string("get_database") + struct.pack("!i", 1)
           + struct.pack("!bh", 11, 1) + struct.pack("!i", -5))
    with socket.create_connection((client.host, client.port), timeout=10) as bad:
        bad.sendall(msg)
        reply = _recv_until_closed(bad)
    assert reply, "expected an exception reply before the connection closes"
    header = struct.unpack("!I", reply[:4])[0]
    assert header == 0x80010003  # version 1, message type EXCEPTION
    assert b"get_database" in reply
    assert client.get_database("default").name == "default"


@socket_only
def test_truncated_request_does_not_hurt_other_connections(hms):
    client = require_socket(hms)
    msg = struct.pack("!I", 0x80010001) + _string("get_database") + struct.pack("!i", 1) + b"\x0b\x00"
    with socket.create_connection((client.host, client.port), timeout=10) as bad:
        bad.sendall(msg)
        bad.shutdown(socket.SHUT_WR)
        _recv_until_closed(bad)
    assert client.get_all_databases() == ["default"]


# --- error shapes common to every object kind --------------------------------------------
def test_missing_objects_are_no_such_object(hms):
    with pytest.raises(tt.NoSuchObjectException) as ei:
        hms.get_database("nope")
    assert "nope" in ei.value.message
    with pytest.raises(tt.NoSuchObjectException) as ei:
        hms.get_table("default", "nope")
    assert "nope" in ei.value.message
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_table("nodb", "t")
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_function("default", "nope")
