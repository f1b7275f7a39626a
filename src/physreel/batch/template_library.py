"""The ``library`` value of templates: an object drawn from the built-in object library
(:mod:`physreel.assets.library`).

Written as an object mapping whose ``library`` key names the candidates (fnmatch patterns, one
or a list)::

    objects:
      count: 4
      pool:
        - library: ["duck", "mug", "shape_*"]   # drawn uniformly among the matching names
          scale: {uniform: [0.8, 1.2]}          # optional size factor (mass x factor^3)
          position: {uniform: [[-1, -1, 0.3], [1, 1, 1.5]]}
          material: rubber                      # any object field; fields written here win

It resolves to the object's ``shape`` (mesh file, scale, up axis), ``mass`` and ``class_name``
merged with the other fields.  ``shape`` next to ``library`` is an error (say one or the other).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

#: keys a library mapping may hold besides ``library``: the object fields (but ``shape``) and
#: ``scale``, the size factor
MODIFIERS = frozenset({"scale"})


def allowed_keys() -> frozenset[str]:
    """Every key allowed next to ``library``."""
    from physreel.scene.models import ObjectSpec

    return frozenset(ObjectSpec.model_fields) - {"shape"} | MODIFIERS


def check(arg: Any, d: Mapping[str, Any]) -> list[str]:
    """Problems of a ``library`` mapping (empty when it is well formed): the patterns must each
    match an object, ``scale`` must be a positive number or a distribution."""
    from physreel.assets.library import select
    from physreel.errors import PhysreelError

    problems = []
    pats = arg if isinstance(arg, list) else [arg]
    if not pats or not all(isinstance(p, str) for p in pats):
        return [f"library expects a name pattern or a list of them (e.g. [duck, \"shape_*\"]), got {arg!r}"]
    try:
        select(pats)
    except PhysreelError as e:
        problems.append(str(e))
    if "shape" in d:
        problems.append("give either 'library' or 'shape': the library object brings its own shape")
    s = d.get("scale")
    if s is not None and not isinstance(s, Mapping) and not (isinstance(s, (int, float)) and s > 0):
        problems.append(f"library 'scale' is a size factor: a positive number or a distribution, got {s!r}")
    return problems


def resolve(d: Mapping[str, Any], rng: np.random.Generator, value: Callable[[Any, str], Any], path: str
            ) -> dict[str, Any]:
    """The object a ``library`` mapping draws with ``rng`` (``value`` resolves the other
    fields, which win over the library's)."""
    from physreel.assets.library import object_fields, select

    arg = d["library"]
    names = select(arg if isinstance(arg, list) else [arg])
    name = names[int(rng.integers(0, len(names)))]
    factor = float(value(d["scale"], f"{path}.scale")) if "scale" in d else 1.0
    fields = object_fields(name, factor)
    rest = {str(k): value(v, f"{path}.{k}") for k, v in d.items() if k not in ("library", "scale")}
    return {**fields, **rest}
