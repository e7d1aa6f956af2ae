"""@frozen: a frozen dataclass with a cheaper constructor, otherwise the same."""
from dataclasses import FrozenInstanceError, field, replace

import pytest

from metastore.model.frozen import frozen


@frozen
class Thing:
    name: str
    tags: dict = field(default_factory=dict)
    size: int = 3


def test_required_defaults_and_factories():
    a = Thing("a")
    assert (a.name, a.tags, a.size) == ("a", {}, 3)
    assert Thing("b").tags is not a.tags  # a fresh object per instance, as dataclass does
    given = {"k": "v"}
    assert Thing(name="c", tags=given, size=7).tags is given
    with pytest.raises(TypeError):
        Thing()  # name is required
    with pytest.raises(TypeError):
        Thing("a", nope=1)


def test_behaves_as_a_frozen_dataclass():
    a = Thing("a", size=1)
    assert a == Thing("a", {}, 1) and a != Thing("a", {}, 2)
    assert repr(a) == "Thing(name='a', tags={}, size=1)"
    with pytest.raises(FrozenInstanceError):
        a.size = 2
    b = replace(a, size=5)
    assert (b.name, b.size) == ("a", 5) and a.size == 1


def test_hashable_when_fields_are():
    @frozen
    class Key:
        a: str
        b: int = 0

    assert hash(Key("x", 1)) == hash(Key("x", 1))
    assert len({Key("x"), Key("x"), Key("y")}) == 2


def test_refuses_what_it_would_silently_skip():
    with pytest.raises(TypeError, match="__post_init__"):
        @frozen
        class Checked:
            a: int

            def __post_init__(self):
                raise AssertionError("never run")

    with pytest.raises(TypeError, match="init=False"):
        @frozen
        class Derived:
            a: int
            b: int = field(default=0, init=False)
