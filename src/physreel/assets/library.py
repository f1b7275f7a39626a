"""The built-in object library: real meshes with a size, a mass, a class name and a licence.

The objects ship in a package physreel already installs (``pybullet_data``, part of the
``pybullet`` wheel); the table is ``src/physreel/data/asset_library.json``: each object's file,
its scale (metres per file unit) and up axis, a typical mass of the real object, its semantic
class, and the licence it is distributed under (checked file by file; objects whose licence
cannot be stated are listed as excluded, with the reason).

In a batch template an object drawn from the library is written ``library: PATTERN`` in an
object mapping (see :mod:`physreel.batch.templates`)::

    - library: ["duck", "mug", "shape_*"]     # fnmatch patterns over the names, drawn uniformly
      scale: {uniform: [0.8, 1.2]}            # optional: a factor on the object's size (mass x factor^3)
      position: ...                           # any other object field, as usual

and it becomes ``shape: {type: mesh, file: ..., scale: ..., up: ...}``, ``mass`` and
``class_name`` (fields written next to it win).  From Python: :func:`objects`, :func:`select`,
:func:`object_fields`.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ..errors import ArgumentError


@dataclass(frozen=True)
class LibraryObject:
    """One object of the library.

    Attributes
    ----------
    name : str
    source : str
        The data package (``pybullet_data``).
    file : str
        Path inside the package.
    scale : float or (3,) tuple
        Metres per file unit.
    up : {"y", "z"}
        The file's up axis.
    mass : float
        kg, a typical real object of this size.
    class_name : str
    material : str
        A physreel material preset that suits it.
    licence : str
    origin : str
        Where it comes from and what its licence statement says.
    """

    name: str
    source: str
    file: str
    scale: float | tuple[float, float, float]
    up: str
    mass: float
    class_name: str
    material: str
    licence: str
    origin: str

    @property
    def path(self) -> Path:
        """The absolute path of the file in the installed package."""
        return source_dir(self.source) / self.file


@lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads(resources.files("physreel").joinpath("data/asset_library.json").read_text(encoding="utf-8"))


@cache
def source_dir(source: str) -> Path:
    """The folder of a data package (found without importing it)."""
    info = _table()["sources"][source]
    spec = find_spec(info["module"])
    if spec is None or not spec.submodule_search_locations:
        raise ArgumentError(f"the object library needs the package {info['package']!r} "
                            f"(module {info['module']}); install it with pip install {info['package']}")
    return Path(list(spec.submodule_search_locations)[0])


@lru_cache(maxsize=1)
def objects() -> dict[str, LibraryObject]:
    """Every object of the library by name (groups expanded), in table order."""
    out: dict[str, LibraryObject] = {}
    t = _table()
    for e in t["objects"]:
        out[e["name"]] = _object(e, e["name"], e["file"])
    for g in t["groups"]:
        for i in range(*g["range"]):
            name = g["name"].format(i=i)
            out[name] = _object(g, name, g["file"].format(i=i))
    return out


def _object(e: dict, name: str, file: str) -> LibraryObject:
    scale = tuple(e["scale"]) if isinstance(e["scale"], list) else float(e["scale"])
    return LibraryObject(name=name, source=e["source"], file=file, scale=scale, up=e["up"], mass=float(e["mass"]),
                         class_name=e["class"], material=e["material"], licence=e["licence"], origin=e["origin"])


def select(patterns: str | Iterable[str]) -> list[str]:
    """Names matching any of the fnmatch ``patterns``, in table order.

    Raises
    ------
    ArgumentError
        A pattern that matches nothing, with the nearest name.
    """
    import difflib

    pats = [patterns] if isinstance(patterns, str) else list(patterns)
    names = list(objects())
    out: list[str] = []
    for p in pats:
        hits = [n for n in names if fnmatch.fnmatchcase(n, str(p))]
        if not hits:
            near = difflib.get_close_matches(str(p), names[:50], n=1, cutoff=0.5)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ArgumentError(f"library {p!r} matches no object{hint}; objects are: {', '.join(names[:7])}, "
                                f"shape_000 ... shape_999")
        out += [h for h in hits if h not in out]
    return [n for n in names if n in set(out)]


def object_fields(name: str, factor: float = 1.0) -> dict[str, Any]:
    """The scene object fields of library object ``name``: ``shape`` (a mesh with the file's
    absolute path, scale and up axis), ``mass``, ``class_name`` and a fitting ``material``;
    ``factor`` scales the size (and the mass by ``factor**3``)."""
    o = objects()[name]
    scale = [float(s) * factor for s in o.scale] if isinstance(o.scale, tuple) else float(o.scale) * factor
    return {"shape": {"type": "mesh", "file": str(o.path), "scale": scale, "up": o.up},
            "mass": round(o.mass * factor**3, 9), "class_name": o.class_name, "material": o.material}


def licence_table() -> list[tuple[str, str, str]]:
    """``(names, licence, origin)`` of every table entry (a group is one row)."""
    t = _table()
    rows = [(e["name"], e["licence"], e["origin"]) for e in t["objects"]]
    for g in t["groups"]:
        lo, hi = g["range"]
        rows.append((f"{g['name'].format(i=lo)} ... {g['name'].format(i=hi - 1)}", g["licence"], g["origin"]))
    return rows


def library_entry_of(file: str | Path) -> LibraryObject | None:
    """The library object whose file is ``file`` (an absolute path), if any (the dataset card
    lists the licences of the library objects a dataset uses)."""
    return _by_path().get(str(Path(file)))


@lru_cache(maxsize=1)
def _by_path() -> dict[str, LibraryObject]:
    return {str(o.path): o for o in objects().values()}
