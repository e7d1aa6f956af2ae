"""The domain model's own behaviour."""
import dataclasses

from metastore.model import Column, StorageDescriptor


def test_a_storage_descriptor_at_another_location_keeps_its_shape():
    base = StorageDescriptor(columns=(Column("id", "int"),), location="file:/t", input_format="in")
    moved = base.at("file:/t/d=1").at("file:/t/d=2")
    assert moved.location == "file:/t/d=2" and moved.columns is base.columns
    assert moved.shape is base and base.shape is base
    # not a field: equality, repr and replace see only the fields
    assert moved == StorageDescriptor(columns=(Column("id", "int"),), location="file:/t/d=2", input_format="in")
    assert "shape" not in repr(moved)
    assert dataclasses.replace(moved, location="x") == base.at("x")
