"""The mannequin: a person of capsules, spheres and boxes on the mocap clips' own skeleton.

Its table (bones, body parts, mass fractions, joint ranges, named points) is
``physreel/data/mannequin.json``.  :func:`mannequin` scales every length to the requested height
and distributes the mass by segment fractions, so clips play on it without sliding feet.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np

from ..quaternions import IDENTITY, qfrom_rotvec
from ..scene.materials import PRESETS
from .rig import JointRange, Rig, Shape, capsule_between, mass_properties

DEFAULT_HEIGHT = 1.75
"""m: the height of a humanoid whose scene gives none."""

BODY_MATERIAL = PRESETS["person"]
"""A person's material (the ``person`` preset): see :data:`physreel.scene.materials.PRESETS`."""


def default_mass(height: float) -> float:
    """kg: a body-mass index of 22 at ``height`` metres (65 kg at 1.72 m)."""
    return 22.0 * height * height


@lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads(resources.files("physreel").joinpath("data", "mannequin.json").read_text())


@lru_cache(maxsize=1)
def reference() -> Rig:
    """The mannequin at the size of the skeleton the clips were recorded on (1 kg in all)."""
    t = _table()
    bones = t["bones"]
    names = [b["name"] for b in bones]
    parents = np.array([-1 if b["parent"] is None else names.index(b["parent"]) for b in bones])
    offsets = np.array([b["offset"] for b in bones], dtype=np.float64)
    part_names = [b["part"] for b in bones]
    shapes = [[_shape(s) for s in t["parts"][p]["shapes"]] for p in part_names]
    fractions = np.array([t["parts"][p]["mass_fraction"] for p in part_names])
    joints = [JointRange("fixed")] + [_joint(t["joints"][n]) for n in names[1:]]
    points = {k: (names.index(b), np.asarray(p, dtype=np.float64)) for k, (b, p) in t["points"].items()}
    return _assemble(names, parents, offsets, part_names, shapes, fractions / fractions.sum(), joints, points, 1.0)


def mannequin(height: float = DEFAULT_HEIGHT, mass: float | None = None) -> Rig:
    """A mannequin ``height`` metres tall (sole to crown) weighing ``mass`` kg.

    Lengths scale with the height and masses with the mass (not with the height cubed: a
    scene's ``mass`` is what the person weighs); joint friction scales with ``mass x height``.
    """
    ref = reference()
    s = height / ref.height
    m = default_mass(height) if mass is None else float(mass)
    joints = [
        JointRange(j.kind, j.center, j.swing, j.twist, j.axis, j.lower, j.upper, j.friction * m * 9.81 * height)
        for j in ref.joints
    ]
    return Rig(
        names=ref.names,
        parents=ref.parents,
        offsets=ref.offsets * s,
        rest=ref.rest,
        part_names=ref.part_names,
        shapes=[[sh.scaled(s) for sh in shapes] for shapes in ref.shapes],
        masses=ref.masses * m,
        coms=ref.coms * s,
        inertias=ref.inertias * m * s * s,
        joints=joints,
        points={k: (b, p * s) for k, (b, p) in ref.points.items()},
        height=height,
        clip_scale=s,
    )


def _assemble(names, parents, offsets, part_names, shapes, fractions, joints, points, mass) -> Rig:
    coms, inertias = zip(*(mass_properties(sh, f * mass) for sh, f in zip(shapes, fractions, strict=True)), strict=True)
    rig = Rig(
        names=names,
        parents=parents,
        offsets=offsets,
        rest=np.tile(IDENTITY, (len(names), 1)),
        part_names=part_names,
        shapes=shapes,
        masses=fractions * mass,
        coms=np.stack(coms),
        inertias=np.stack(inertias),
        joints=joints,
        points=points,
        height=1.0,
    )
    pos, quat = rig.rest_pose()
    return Rig(**{**rig.__dict__, "height": rig.z_range(pos, quat)[1]})


def _shape(d: dict) -> Shape:
    if d["type"] == "capsule":
        return capsule_between(np.asarray(d["from"]), np.asarray(d["to"]), d["radius"])
    if d["type"] == "sphere":
        return Shape("sphere", (d["radius"],), np.asarray(d["center"], dtype=np.float64))
    return Shape("box", tuple(v / 2 for v in d["size"]), np.asarray(d["center"], dtype=np.float64))


def _joint(d: dict) -> JointRange:
    if d["type"] == "spherical":
        return JointRange("spherical", qfrom_rotvec(np.asarray(d["center"], dtype=np.float64)),
                          tuple(d["swing"]), d["twist"], friction=d["friction"])
    if d["type"] == "revolute":
        lo, hi = d["range"]
        return JointRange("revolute", axis=np.asarray(d["axis"], dtype=np.float64), lower=lo, upper=hi,
                          friction=d["friction"])
    return JointRange("fixed")
