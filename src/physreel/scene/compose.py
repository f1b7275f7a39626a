"""Scene composition: compound parts, arrays of objects and positions relative to objects.

Pure functions on scene data and models, used by the loader.
"""

from __future__ import annotations

import difflib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..transforms import orientation, quat_to_matrix
from .keyframes import quat_multiply


def compound_parts(shape: Any) -> Iterator[tuple[int, dict]]:
    """``(index, part dict)`` of a raw compound shape's parts (nothing for other shapes)."""
    if isinstance(shape, dict) and shape.get("type") == "compound" and isinstance(shape.get("parts"), list):
        for k, part in enumerate(shape["parts"]):
            if isinstance(part, dict):
                yield k, part


def resolve_part_paths(shape, base: Path):
    """A compound shape whose parts' relative mesh paths are made absolute against ``base``
    (the same shape when there are none)."""
    parts, changed = [], False
    for part in shape.parts:
        ps = part.shape
        if ps.type == "mesh" and not os.path.isabs(ps.file):
            part = part.model_copy(update={"shape": ps.model_copy(update={"file": str((base / ps.file).resolve())})})
            changed = True
        parts.append(part)
    return shape.model_copy(update={"parts": parts}) if changed else shape


# ------------------------------------------------------------------------------------ arrays
def _copy_names(name: str, counts: list[int]) -> list[tuple[str, tuple[int, ...]]]:
    """``(copy name, index tuple)`` of an array's copies, in row-major order."""
    widths = [len(str(max(n - 1, 0))) for n in counts]
    out = []
    for idx in itertools.product(*(range(n) for n in counts)):
        out.append((name + "".join(f"_{i:0{w}d}" for i, w in zip(idx, widths, strict=True)), idx))
    return out


def _raw_counts(array: Any) -> list[int] | None:
    """Counts of a raw ``array`` field, or None when it is not valid (validation says why)."""
    if not isinstance(array, dict):
        return None
    c = array.get("count")
    counts = c if isinstance(c, list) else [c]
    if not counts or not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 10000 for n in counts):
        return None
    return counts


def named_objects(objects: list) -> dict[str, dict]:
    """Object name -> raw object dict, with arrays expanded to their copies' names (each copy
    maps to its array's dict).  For reference checks on raw scene data."""
    out: dict[str, dict] = {}
    for o in objects:
        if not isinstance(o, dict) or not isinstance(o.get("name"), str):
            continue
        counts = _raw_counts(o.get("array")) if o.get("array") is not None else None
        if counts is None:
            out[o["name"]] = o
        else:
            for copy, _ in _copy_names(o["name"], counts):
                out[copy] = o
    return out


def composition_problems(data: dict) -> list[tuple[tuple, str]]:
    """Name clashes of array copies; unknown, array or looping ``relative_to`` references."""
    out: list[tuple[tuple, str]] = []
    objects = data.get("objects") if isinstance(data.get("objects"), list) else []
    seen: dict[str, tuple[int, bool]] = {}  # name -> (index, is an array copy)
    for i, o in enumerate(objects):
        if not isinstance(o, dict) or not isinstance(o.get("name"), str):
            continue
        counts = _raw_counts(o.get("array")) if o.get("array") is not None else None
        names = [o["name"]] if counts is None else [c for c, _ in _copy_names(o["name"], counts)]
        for n in names:
            if n in seen and seen[n][0] != i and (counts is not None or seen[n][1]):
                at, other = (i, seen[n][0]) if counts is not None else (seen[n][0], i)
                out.append((("objects", at, "array"), f"copy '{n}' of this array has the name of "
                                                      f"objects[{other}]; rename one of them"))
            seen.setdefault(n, (i, counts is not None))
    named = named_objects(objects)
    arrays = {o["name"] for o in objects if isinstance(o, dict) and o.get("array") is not None
              and isinstance(o.get("name"), str)}

    def check(loc: tuple, ref: Any, me: str | None) -> None:
        if not isinstance(ref, str):
            return
        if ref in arrays and ref not in named:
            out.append((loc, f"relative_to names the array '{ref}'; name one of its copies (e.g. '{ref}_0')"))
        elif ref not in named:
            near = difflib.get_close_matches(ref, list(named), n=1, cutoff=0.6)
            out.append((loc, f"relative_to names an unknown object '{ref}'"
                             + (f"; did you mean '{near[0]}'?" if near else "")))
        elif me is not None:
            chain, node = {me}, ref
            while isinstance(node, str) and node in named:
                if node in chain:
                    out.append((loc, f"relative_to forms a loop through '{node}'"))
                    return
                chain.add(node)
                node = named[node].get("relative_to")

    for i, o in enumerate(objects):
        if isinstance(o, dict):
            check(("objects", i, "relative_to"), o.get("relative_to"), o.get("name"))
    joints = data.get("joints") if isinstance(data.get("joints"), list) else []
    for i, j in enumerate(joints):
        if isinstance(j, dict):
            check(("joints", i, "relative_to"), j.get("relative_to"), None)
    return out


# ----------------------------------------------------------------------------- expansion
def expand(scene):
    """The scene with arrays replaced by their copies and ``relative_to`` positions, rotations
    and joint points resolved to world coordinates (the scene as written out: no ``array``,
    no ``relative_to``).  References must be valid (:func:`composition_problems`)."""
    if not any(o.array is not None or o.relative_to is not None for o in scene.objects) and not any(
        j.relative_to is not None for j in scene.joints
    ):
        return scene
    objects = []
    for o in scene.objects:
        if o.array is None:
            objects.append(o)
            continue
        for name, idx in _copy_names(o.name, o.array.counts):
            shift = sum(np.asarray(off, dtype=np.float64) * i for off, i in zip(o.array.offsets, idx, strict=True))
            pos = tuple(float(v) for v in np.asarray(o.position, dtype=np.float64) + shift)
            objects.append(o.model_copy(update={"name": name, "position": pos, "array": None}))
    by_name = {o.name: o for o in objects}
    world: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def pose(name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in world:
            o = by_name[name]
            p, q = np.asarray(o.position, dtype=np.float64), orientation(o.rotation, o.quaternion)
            if o.relative_to is not None:
                rp, rq = pose(o.relative_to)
                p, q = rp + quat_to_matrix(rq) @ p, quat_multiply(rq, q)
            world[name] = (p, q)
        return world[name]

    resolved = []
    for o in objects:
        if o.relative_to is None:
            resolved.append(o)
            continue
        p, q = pose(o.name)
        resolved.append(o.model_copy(update={
            "position": tuple(float(v) for v in p), "rotation": None,
            "quaternion": tuple(float(v) for v in q), "relative_to": None}))
    joints = []
    for j in scene.joints:
        if j.relative_to is None:
            joints.append(j)
            continue
        rp, rq = pose(j.relative_to)
        r = quat_to_matrix(rq)
        upd: dict[str, Any] = {"relative_to": None}
        for key in ("anchor", "anchor_b"):
            v = getattr(j, key, None)
            if v is not None:
                upd[key] = tuple(float(x) for x in rp + r @ np.asarray(v, dtype=np.float64))
        if getattr(j, "axis", None) is not None:
            upd["axis"] = tuple(float(x) for x in r @ np.asarray(j.axis, dtype=np.float64))
        joints.append(j.model_copy(update=upd))
    return scene.model_copy(update={"objects": resolved, "joints": joints})

