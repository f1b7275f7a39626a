"""Materials, semantic classes and segmentation ids: resolved here and nowhere else.

A scene names a material (a preset or one of its own ``materials:``); an object may override
any value.  The semantic class of an object follows one rule (:func:`class_of`), and its
segmentation id another (:data:`FIRST_OBJECT_ID`).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..scene.materials import PRESETS, MaterialProps
from ..scene.models import Ground, MaterialSpec, ObjectSpec, Scene

BACKGROUND_ID = 0
"""Segmentation id of pixels that show no surface (the sky)."""
GROUND_ID = 1
"""Segmentation id of the floor."""
FIRST_OBJECT_ID = 2
"""Segmentation id of ``objects[0]``; object ``k`` of the scene has id ``k + 2``; bodies created
during the simulation (fracture pieces) get the ids after the last object, in creation order."""
SEGMENTATION_IDS_DOC = (
    "0 = background, 1 = ground, object k of the scene's `objects` (in order) = k + 2, then "
    "bodies created during the simulation (pieces) in order of creation; table in `segmentation_ids`"
)

_SHAPE_NOUNS = {"sphere": "ball", "box": "box", "cylinder": "cylinder", "capsule": "capsule", "cone": "cone",
                "tube": "tube", "open_box": "crate", "cup": "cup", "bowl": "bowl", "basket": "basket", "rope": "rope",
                "humanoid": "person"}


def resolve_material(scene: Scene, name: str) -> MaterialProps:
    """The preset or scene-defined material ``name`` (scene definitions win over presets)."""
    spec: MaterialSpec | None = scene.materials.get(name)
    if spec is None:
        return PRESETS[name]
    base = PRESETS[spec.base]
    return base.with_overrides(**spec.model_dump(exclude={"base"}))


def material_preset(scene: Scene, name: str) -> str:
    """The preset a material name derives from (itself for a preset; ``base`` for a scene
    material)."""
    spec = scene.materials.get(name)
    return spec.base if spec is not None else name


def object_material(scene: Scene, obj: ObjectSpec) -> MaterialProps:
    """An object's material with the object's own overrides applied."""
    mat = resolve_material(scene, obj.material)
    return mat.with_overrides(
        density=obj.density, friction=obj.friction, rolling_friction=obj.rolling_friction,
        spinning_friction=obj.spinning_friction, restitution=obj.restitution, color=obj.color,
        roughness=obj.roughness, metallic=obj.metallic, opacity=obj.opacity,
    )


def ground_material(scene: Scene) -> MaterialProps:
    """The floor's material with the ``ground`` section's overrides."""
    g: Ground = scene.ground
    return resolve_material(scene, g.material).with_overrides(
        friction=g.friction, restitution=g.restitution,
        rolling_friction=g.rolling_friction, spinning_friction=g.spinning_friction,
    )


def class_of(scene: Scene, obj: ObjectSpec) -> str:
    """The semantic class of an object (segmentation labels, captions, the ADE20K control).

    The rule: the object's ``class_name``; else its scene material's ``class_name``; else a
    noun for its shape (a sphere is a ``ball``; a mesh file is named by its file stem, e.g.
    ``Duck.glb`` -> ``duck``); else the material preset's class.
    """
    if obj.class_name:
        return obj.class_name
    custom = scene.materials.get(obj.material)
    if custom is not None and custom.class_name:
        return custom.class_name
    noun = _SHAPE_NOUNS.get(obj.shape.type)
    if noun is None and obj.shape.type == "mesh":
        noun = _file_noun(obj.shape.file)
    return noun or resolve_material(scene, obj.material).class_name


def _file_noun(file: str) -> str | None:
    """``CesiumMilkTruck.glb`` -> ``cesium milk truck``; ``fuze uv.obj`` -> ``fuze uv``."""
    stem = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", Path(file).stem)
    words = re.sub(r"[^a-z]+", " ", stem.lower()).split()
    return " ".join(words) or None
