"""Random placement: objects whose position is random start apart and above the floor.

Objects are measured on the geometry physics and rendering use
(:func:`physreel.assets.geometry.build_geometry`): a mesh file after its up-axis conversion
(a glTF is Y-up), scaling and origin shift, a primitive as built.  Each object's *bounds* are
the box, in its own frame, around its render meshes and collision parts; placed, that box
turns with the object (an oriented box).  Two objects overlap when their oriented boxes do
(separating axis theorem; two spheres are compared exactly); an object is below the floor
when the lowest vertex of the convex hull of its meshes is below ``z = 0``.  Boxes are
conservative: objects never start interpenetrating, but may start a little apart.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from physreel.batch.template_syntax import is_vector, uses_template_features
from physreel.errors import InputError, Problem, SceneError

__all__ = ["Bounds", "PlacedBox", "PlacementError", "object_bounds", "overlap", "place", "placed_box"]


class PlacementError(SceneError):
    """Random objects could not be placed without interpenetration within the allowed tries."""


@dataclass(frozen=True)
class Bounds:
    """The extent of one built object, in its own frame (metres).

    Attributes
    ----------
    centre : (3,) float64
        Centre of the box around the object's meshes.
    half : (3,) float64
        Half extents of that box.
    hull : (N, 3) float64
        Vertices of the convex hull of all its meshes (the lowest point once rotated).
    sphere : float or None
        Radius of a sphere primitive (centred on the origin), else None.
    """

    centre: np.ndarray
    half: np.ndarray
    hull: np.ndarray
    sphere: float | None


@dataclass(frozen=True)
class PlacedBox:
    """An object's bounds at a pose, grown by half the placement margin.

    Attributes
    ----------
    centre : (3,) float64
        World centre of the oriented box.
    rot : (3, 3) float64
        Columns are the box axes (the object's rotation).
    half : (3,) float64
        Half extents.
    sphere : float or None
        Radius when the object is a sphere (exact test between two spheres).
    lowest : float
        World height of the object's lowest point, metres (less half the margin).
    """

    centre: np.ndarray
    rot: np.ndarray
    half: np.ndarray
    sphere: float | None
    lowest: float


def object_bounds(shape: Mapping[str, Any], base_dir: Path) -> Bounds | None:
    """Bounds of the object a shape spec builds; None when the spec is malformed or its file
    unreadable (the scene validation reports those).

    Parameters
    ----------
    shape : mapping
        A resolved ``shape`` entry of a scene (``{type: mesh, file, size, up, ...}``...).
    base_dir : Path
        Folder that a relative mesh file is relative to.
    """
    spec = dict(shape)
    if spec.get("type") == "mesh" and isinstance(spec.get("file"), str):
        path = Path(spec["file"])
        spec["file"] = str(path if path.is_absolute() else (Path(base_dir) / path).resolve())
        try:  # a file changed on disk is measured again
            spec["_mtime"] = os.stat(spec["file"]).st_mtime_ns
        except OSError:
            return None
    try:
        key = json.dumps(spec, sort_keys=True)
    except (TypeError, ValueError):
        return None
    return _bounds_of(key)


@lru_cache(maxsize=256)
def _bounds_of(key: str) -> Bounds | None:
    """Build the shape once per process (a batch places the same few shapes many times)."""
    import pydantic
    import trimesh

    from physreel.assets.geometry import build_geometry
    from physreel.scene.models import Shape

    spec = json.loads(key)
    spec.pop("_mtime", None)
    try:
        shape = pydantic.TypeAdapter(Shape).validate_python(spec)
        geom = build_geometry(shape)
    except (pydantic.ValidationError, InputError):
        return None
    meshes = list(geom.visual) + list(geom.collision_parts)
    points = np.concatenate([np.asarray(m.vertices, dtype=np.float64) for m in meshes])
    lo, hi = points.min(axis=0), points.max(axis=0)
    try:
        hull = np.asarray(trimesh.convex.convex_hull(points).vertices, dtype=np.float64)
    except Exception:  # noqa: BLE001 - qhull fails on flat input: all points bound it too
        hull = points
    sphere = float(geom.params["radius"]) if geom.kind == "sphere" else None
    return Bounds(centre=(lo + hi) / 2, half=(hi - lo) / 2, hull=hull, sphere=sphere)


def _rotation(obj: Mapping[str, Any]) -> np.ndarray:
    from scipy.spatial.transform import Rotation

    if obj.get("quaternion") is not None:
        return Rotation.from_quat(np.asarray(obj["quaternion"], dtype=float)).as_matrix()
    if obj.get("rotation") is not None:
        return Rotation.from_euler(
            "xyz", np.asarray(obj["rotation"], float), degrees=True
        ).as_matrix()
    return np.eye(3)


def placed_box(obj: Mapping[str, Any], base_dir: Path, margin: float = 0.0) -> PlacedBox | None:
    """The oriented box of scene object ``obj`` (a resolved object mapping) at its pose.

    Returns
    -------
    PlacedBox or None
        None when the object's shape, position or rotation is malformed (reported by the
        scene validation) or its mesh file cannot be read.
    """
    shape = obj.get("shape")
    pos = obj.get("position", [0.0, 0.0, 0.0])
    if not isinstance(shape, Mapping) or not is_vector(pos) or len(pos) != 3:
        return None
    try:
        rot = _rotation(obj)
    except (TypeError, ValueError):
        return None
    bounds = object_bounds(shape, base_dir)
    if bounds is None:
        return None
    pos = np.asarray(pos, dtype=np.float64)
    lowest = pos[2] + float(np.min(bounds.hull @ rot[2]))
    return PlacedBox(
        centre=pos + rot @ bounds.centre,
        rot=rot,
        half=bounds.half + margin / 2,
        sphere=None if bounds.sphere is None else bounds.sphere + margin / 2,
        lowest=lowest - margin / 2,
    )


def overlap(a: PlacedBox, b: PlacedBox, tol: float = 1e-9) -> bool:
    """Whether two oriented boxes (or two spheres) intersect (separating axis theorem)."""
    d = b.centre - a.centre
    if a.sphere is not None and b.sphere is not None:
        return float(np.linalg.norm(d)) < a.sphere + b.sphere - tol
    if np.linalg.norm(d) >= np.linalg.norm(a.half) + np.linalg.norm(b.half):
        return False
    axes = [a.rot[:, i] for i in range(3)] + [b.rot[:, i] for i in range(3)]
    for i in range(3):
        for j in range(3):
            c = np.cross(a.rot[:, i], b.rot[:, j])
            n = np.linalg.norm(c)
            if n > 1e-9:
                axes.append(c / n)
    for ax in axes:
        ra = np.sum(a.half * np.abs(a.rot.T @ ax))
        rb = np.sum(b.half * np.abs(b.rot.T @ ax))
        if abs(d @ ax) >= ra + rb - tol:
            return False
    return True


def place(
    objects: list[Any],
    position_templates: list[Any],
    redraw: Callable[[int, Any], Any],
    *,
    base_dir: Path,
    source: str,
    settings: Mapping[str, Any],
    ground: Any,
) -> None:
    """Re-draw random positions until no random object interpenetrates an earlier one or the
    floor; ``objects`` (resolved object mappings) are updated in place.

    Parameters
    ----------
    objects : list
        The resolved ``objects`` list.
    position_templates : list
        Each object's unresolved ``position`` (random when it holds a distribution).
    redraw : callable ``(index, position template) -> position``
        Draws a new position (from the template's generator).
    base_dir : Path
        Folder that relative mesh files are relative to.
    source : str
        Template file name, for the error.
    settings : mapping
        ``template.placement``: ``max_tries`` (default 100) and ``margin`` (m, default 0).
    ground : the scene's ``ground`` entry
        The floor counts unless it is disabled.

    Raises
    ------
    PlacementError
        An object could not be placed within ``max_tries`` draws.
    """
    max_tries = int(settings.get("max_tries", 100))
    margin = float(settings.get("margin", 0.0))
    ground_on = (
        not (isinstance(ground, Mapping) and ground.get("enabled") is False) and ground is not False
    )
    placed: list[PlacedBox] = []
    for i, obj in enumerate(objects):
        if not isinstance(obj, dict):
            continue
        pos_tmpl = position_templates[i] if i < len(position_templates) else None
        random_pos = pos_tmpl is not None and uses_template_features(pos_tmpl)
        box = placed_box(obj, base_dir, margin if random_pos else 0.0)
        if box is None:
            continue
        if random_pos:
            dynamic = not obj.get("static", False)
            for _ in range(max_tries):
                clash = any(overlap(box, other) for other in placed)
                if not clash and not (ground_on and dynamic and box.lowest < -1e-6):
                    break
                obj["position"] = redraw(i, pos_tmpl)
                box = placed_box(obj, base_dir, margin)
                if box is None:
                    break  # a malformed draw: the scene validation reports it
            else:
                raise PlacementError(
                    source,
                    [
                        Problem(
                            f"objects[{i}]",
                            f"could not place '{obj.get('name')}' without touching another "
                            f"object or the ground after {max_tries} tries; widen its position "
                            "range, use fewer or smaller objects, or raise "
                            "template.placement.max_tries",
                        )
                    ],
                )
        if box is not None:
            placed.append(box)
