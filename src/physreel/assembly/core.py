"""``build(scene) -> Assembly``: every object of a scene resolved once.

The Assembly is what physics, rendering, captions, placement, metadata and controls read:
geometry (visual and collision parts, mass properties), physics material, look, semantic class,
segmentation id and a random stream per object.  Nothing else resolves materials, classes or
ids.  It holds no runtime handles (no pybullet ids, no GL objects): it can be built once and
simulated or rendered many times.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import rng as _rng
from ..errors import AssetError
from ..scene.materials import MaterialProps
from ..scene.models import ObjectSpec, Scene
from ..scene.naming import object_label
from ..transforms import orientation
from . import kinds
from .materials import FIRST_OBJECT_ID, class_of, ground_material, material_preset, object_material


@dataclass(frozen=True)
class Look:
    """How an object looks, resolved.

    Attributes
    ----------
    color : (3,) float, sRGB 0..1
        Base colour (the material's, or the object's override).
    roughness, metallic, opacity : float, 0..1
    texture : str or None
        ``"checker"`` or an absolute image path.
    texture_scale : float or None, metres per tile (projected textures)
    keep_mesh_look : bool
        A mesh file's own textures, vertex colours and PBR factors are kept (the object sets
        neither ``color`` nor ``texture``).
    """

    color: tuple[float, float, float]
    roughness: float
    metallic: float
    opacity: float
    texture: str | None = None
    texture_scale: float | None = None
    keep_mesh_look: bool = True


@dataclass(frozen=True)
class BuiltObject:
    """One scene object, resolved.

    Attributes
    ----------
    name : str
    index : int
        Position in ``scene.objects``.
    spec : ObjectSpec
    kind : str
        The registered object kind that built it (``"rigid"``, ...).
    geometry : Geometry
        Visual meshes, collision parts and mass properties in the object frame.
    material : MaterialProps
        Physics and look, the object's overrides applied.
    material_preset : str
        The preset its material derives from (``glass`` for a scene material based on glass).
    look : Look
    class_name : str
        Semantic class (see :func:`physreel.assembly.materials.class_of`).
    segmentation_id : int
        ``index + 2`` (0 background, 1 ground).
    mass : float, kg
        0 for static objects.
    static : bool
    position : (3,) float64, m
        Initial position of the object frame's origin.
    quaternion : (4,) float64
        Initial orientation ``[x, y, z, w]``.
    velocity : (3,) float64, m/s
        Initial velocity of the object frame's origin.
    angular_velocity : (3,) float64, rad/s, world frame
    seed : int
        The scene seed its random streams derive from.
    geometry_origin : (3,) float64, m
        Where the geometry's frame sits in the object frame at rest (zero for rigid objects; a
        person's geometry is in its pelvis frame, above the floor point its ``position`` names).
    extra : dict
        What a non-rigid kind needs beyond this (e.g. a humanoid's rig).
    """

    name: str
    index: int
    spec: ObjectSpec
    kind: str
    geometry: Any
    material: MaterialProps
    material_preset: str
    look: Look
    class_name: str
    segmentation_id: int
    mass: float
    static: bool
    position: np.ndarray
    quaternion: np.ndarray
    velocity: np.ndarray
    angular_velocity: np.ndarray
    seed: int
    geometry_origin: np.ndarray = field(default_factory=lambda: np.zeros(3))
    extra: dict = field(default_factory=dict)

    def rng(self, *key: str | int) -> np.random.Generator:
        """This object's random stream ``key`` (e.g. ``obj.rng("fracture")``)."""
        return _rng.stream(self.seed, "object", self.name, *key)


@dataclass(frozen=True)
class BuiltGround:
    """The floor: material (physics), its two checker colours (sRGB) and its look settings."""

    material: MaterialProps
    colors: tuple[tuple[float, float, float], tuple[float, float, float]]
    texture: str
    checker_size: float
    size: float


@dataclass(frozen=True)
class Assembly:
    """A scene with every object resolved (see the module docstring).

    Attributes
    ----------
    scene : Scene
    objects : dict name -> BuiltObject, in scene order
    ground : BuiltGround or None (no floor)
    warnings : list of str
        Things the user should know (each names its object), e.g. a missing texture.
    """

    scene: Scene
    objects: dict[str, BuiltObject]
    ground: BuiltGround | None
    warnings: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[BuiltObject]:
        return iter(self.objects.values())

    def __len__(self) -> int:
        return len(self.objects)

    def __getitem__(self, name: str) -> BuiltObject:
        return self.objects[name]

    def rng(self, *key: str | int) -> np.random.Generator:
        """The scene's random stream ``key`` (e.g. ``assembly.rng("tracks")``)."""
        return _rng.stream(self.scene.seed, *key)


@dataclass(frozen=True)
class BuildContext:
    """What a kind's build function may use besides the object spec."""

    scene: Scene
    cache_dir: Path | None = None


def build(scene: Scene, *, cache_dir: Path | None = None) -> Assembly:
    """Resolve every object of ``scene`` once.

    Parameters
    ----------
    scene : Scene
    cache_dir : folder for derived assets (convex decompositions); default the user cache

    Raises
    ------
    AssetError
        A mesh or texture cannot be used; the message names the scene file, the field and the
        object.
    """
    ctx = BuildContext(scene, cache_dir)
    objects: dict[str, BuiltObject] = {}
    warnings: list[str] = []
    for i, spec in enumerate(scene.objects):
        kind = kinds.kind_for_shape(spec.shape.type)
        try:
            built = kind.build(ctx, i, spec)
        except AssetError as e:  # say which object of which scene file (and line) it came from
            loc = ("objects", i, "shape", "file") if spec.shape.type == "mesh" else ("objects", i)
            field = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in loc).lstrip(".")
            raise AssetError(f"{scene.where(*loc)}{field} ('{spec.name}'): {e}") from None
        objects[spec.name] = built
        label = object_label(i, spec)  # every warning names its object
        warnings.extend(f"{label}: {w}" for w in built.geometry.warnings)
    return Assembly(scene, objects, _ground(scene), list(dict.fromkeys(warnings)))


def resolve_object(ctx: BuildContext, index: int, spec: ObjectSpec, geometry: Any, kind: str,
                   extra: dict | None = None) -> BuiltObject:
    """The parts of a BuiltObject every kind shares: material, look, class, id, mass, pose."""
    scene = ctx.scene
    mat = object_material(scene, spec)
    if spec.static:
        mass = 0.0
    elif spec.mass is not None:
        mass = float(spec.mass)
    else:
        mass = float(mat.density * geometry.volume)
    look = Look(
        color=tuple(mat.color), roughness=mat.roughness, metallic=mat.metallic, opacity=mat.opacity,
        texture=spec.texture, texture_scale=spec.texture_scale,
        keep_mesh_look=spec.color is None and spec.texture is None,
    )
    return BuiltObject(
        name=spec.name, index=index, spec=spec, kind=kind, geometry=geometry, material=mat,
        material_preset=material_preset(scene, spec.material), look=look,
        class_name=class_of(scene, spec), segmentation_id=FIRST_OBJECT_ID + index, mass=mass,
        static=spec.static, position=np.asarray(spec.position, dtype=np.float64),
        quaternion=orientation(spec.rotation, spec.quaternion),
        velocity=np.asarray(spec.velocity, dtype=np.float64),
        angular_velocity=np.asarray(spec.angular_velocity, dtype=np.float64),
        seed=scene.seed, extra=dict(extra or {}),
    )


def _ground(scene: Scene) -> BuiltGround | None:
    g = scene.ground
    if not g.enabled:
        return None
    mat = ground_material(scene)
    if g.colors is not None:
        colors = (tuple(g.colors[0]), tuple(g.colors[1]))
    else:  # a light and a dark shade of the material's colour: a wooden floor is brown
        base = np.asarray(mat.color, dtype=np.float64)
        colors = (tuple(np.clip(base * 1.42, 0.0, 1.0)), tuple(base * 0.78))
    return BuiltGround(mat, colors, g.texture, g.checker_size, g.size)
