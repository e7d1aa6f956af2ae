"""`@frozen`: an immutable dataclass whose constructor is cheap.

A frozen dataclass's generated `__init__` sets every field through `object.__setattr__`
(the class's own `__setattr__` refuses), about 0.3 µs a field: a partition with its storage
descriptor and serde cost ~7 µs to build, and a listing or an add of 10,000 partitions
builds as many. The `__init__` made here has the same signature, defaults and default
factories, and fills the instance's `__dict__` in one step; everything else (equality,
hashing, repr, `replace`, the refusal to assign) is the dataclass's.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, fields

_SET = object.__setattr__


def frozen(cls):
    cls = dataclass(frozen=True)(cls)
    ns = {"_set": _SET, "_MISSING": MISSING}
    params, prelude, entries = [], [], []
    for f in fields(cls):
        if not f.init:
            raise TypeError(f"@frozen does not support init=False fields ({cls.__name__}.{f.name})")
        if f.default is not MISSING:
            ns[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
        elif f.default_factory is not MISSING:
            ns[f"_f_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            prelude.append(f"    if {f.name} is _MISSING: {f.name} = _f_{f.name}()\n")
        else:
            params.append(f.name)
        entries.append(f"{f.name!r}: {f.name}")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"@frozen does not run __post_init__ ({cls.__name__})")
    source = (f"def __init__(self, {', '.join(params)}):\n" + "".join(prelude)
              + f"    _set(self, '__dict__', {{{', '.join(entries)}}})\n")
    exec(source, ns)  # the way dataclasses builds its own methods
    init = ns["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init
    return cls
