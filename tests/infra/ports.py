"""Loopback port helpers; they live in lakeglue.devservers.ports (re-exported here)."""
from lakeglue.devservers.ports import free_port, port_open, wait_for_port

__all__ = ["free_port", "port_open", "wait_for_port"]
