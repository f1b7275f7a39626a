"""Random placement: objects whose position is random start apart and above the floor.

Objects are measured on the geometry physics and rendering use: each object is built by the
kind registered for its shape (:func:`physreel.assembly.build`), so a mesh file is measured
after its up-axis conversion (a glTF is Y-up), scaling and origin shift.  Each object's *bounds* are
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
        Points of all its meshes, or the vertices of their convex hull when there are many
        (the lowest point once rotated).
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


#: The field naming a file, by shape type (relative to the scene file's folder).
_FILE_FIELDS = {"mesh": "file", "humanoid": "skin"}


def object_bounds(shape: Mapping[str, Any], base_dir: Path) -> Bounds | None:
    """Bounds of the object a shape spec builds; None when the spec is malformed or its file
    unreadable (the scene validation reports those).

    Shapes whose built geometry is linear in their size (a box in its size, a sphere in its
    radius, a cylinder or cone in radius and height, a mesh file in a uniform ``size`` or
    ``scale``: its up-axis rotation, origin shift and bounds all scale with it) are built once
    per process at unit size and scaled; others are built as given.

    Parameters
    ----------
    shape : mapping
        A resolved ``shape`` entry of a scene (``{type: mesh, file, size, up, ...}``...).
    base_dir : Path
        Folder that a relative mesh file is relative to.
    """
    import pydantic

    spec = dict(shape)
    stamp = None
    key = _FILE_FIELDS.get(spec.get("type"))
    if key is not None and isinstance(spec.get(key), str):
        path = Path(spec[key])
        spec[key] = str(path if path.is_absolute() else (Path(base_dir) / path).resolve())
        try:  # a file changed on disk is measured again
            stamp = os.stat(spec[key]).st_mtime_ns
        except OSError:
            return None
    try:
        model = _shape_adapter().validate_python(spec)
    except pydantic.ValidationError:
        return None
    unit, factors = _unit_shape(model)
    bounds = _bounds_of(unit.model_dump_json(), stamp)
    if bounds is None or np.all(factors == 1.0):
        return bounds
    return Bounds(
        centre=bounds.centre * factors,
        half=bounds.half * factors,
        hull=bounds.hull * factors,
        sphere=None if bounds.sphere is None else bounds.sphere * float(factors[0]),
    )


def _unit_shape(shape):
    """(the shape at unit size, (3,) per-axis factors back to its size) for shapes built
    linearly in their size; (shape, ones) for the others (capsules, per-axis mesh scales)."""
    kind = shape.type
    if kind == "sphere":
        return shape.model_copy(update={"radius": 1.0}), np.full(3, float(shape.radius))
    if kind == "box":
        return shape.model_copy(update={"size": (1.0, 1.0, 1.0)}), np.asarray(shape.size, float)
    if kind in ("cylinder", "cone"):
        r, h = float(shape.radius), float(shape.height)
        return shape.model_copy(update={"radius": 1.0, "height": 1.0}), np.array([r, r, h])
    if kind == "mesh":
        for key in ("size", "scale"):
            value = getattr(shape, key)
            if isinstance(value, (int, float)):
                return shape.model_copy(update={key: 1.0}), np.full(3, float(value))
    return shape, np.ones(3)


@lru_cache(maxsize=1)
def _shape_adapter():
    import pydantic

    from physreel.scene.models import Shape

    return pydantic.TypeAdapter(Shape)


#: Bounds keep at most this many points of a shape (the vertices of their hull beyond it).
_MAX_POINTS = 20_000


@lru_cache(maxsize=256)
def _bounds_of(shape_json: str, stamp: int | None) -> Bounds | None:
    """Build the shape once per process and file version (a batch places the same few shapes
    many times)."""
    import pydantic
    from scipy.spatial import ConvexHull, QhullError

    from physreel.assembly import build
    from physreel.scene.models import Scene

    try:  # the object alone, built by the kind registered for its shape
        scene = Scene.model_validate({"objects": [{"name": "o", "shape": json.loads(shape_json)}]})
        built = build(scene).objects["o"]
    except (pydantic.ValidationError, InputError):
        return None
    geom = built.geometry
    meshes = list(geom.visual) + list(geom.collision_parts)
    points = np.concatenate([np.asarray(m.vertices, dtype=np.float64) for m in meshes])
    points = points + built.geometry_origin
    lo, hi = points.min(axis=0), points.max(axis=0)
    if len(points) > _MAX_POINTS:
        try:
            points = points[ConvexHull(points).vertices]
        except (QhullError, ValueError):  # flat: a regular subset keeps the lowest point close
            points = points[:: len(points) // _MAX_POINTS + 1]
    sphere = float(geom.params["radius"]) if geom.kind == "sphere" else None
    return Bounds(centre=(lo + hi) / 2, half=(hi - lo) / 2, hull=points, sphere=sphere)


def _rotation(obj: Mapping[str, Any]) -> np.ndarray:
    from physreel.transforms import orientation, quat_to_matrix

    return quat_to_matrix(orientation(obj.get("rotation"), obj.get("quaternion")))


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
