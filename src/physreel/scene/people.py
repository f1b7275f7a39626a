"""Scene models for people: the humanoid shape, mocap ``motion``, ``ragdoll``, ``attach``, and
the checks that need the whole scene (clip names, attachment targets).

Units: metres, kilograms, seconds, newtons; rotations in degrees.  This module does not import
:mod:`physreel.scene.models` (which imports it).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Vec3 = tuple[Finite, Finite, Finite]

ATTACH_POINTS = (
    "head", "neck", "chest", "pelvis",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_hand", "right_hand", "left_foot", "right_foot",
)
"""Body parts things can be attached to (``attach.bone``)."""


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Humanoid(Model):
    """A person: a mannequin of capsules, spheres and boxes (or, with ``skin``, a rigged glTF
    character whose bones carry one capsule each), ``height`` metres from sole to crown.

    The object's ``position`` is the floor point under the pelvis at t = 0 and ``rotation``
    its heading (0 faces +x; only the turn about z is used).  ``mass`` defaults to a body-mass
    index of 22.
    """

    type: Literal["humanoid"] = "humanoid"
    height: Annotated[float, Field(ge=0.3, le=3.0, allow_inf_nan=False)] = 1.75
    skin: str | None = None


class MotionClip(Model):
    """One mocap clip of a person's ``motion`` list.

    ``clip``: a built-in clip (walk, run, jump, kick, punch, spinkick, backflip, cartwheel, roll,
    crawl, dance_a, dance_b, getup_faceup, getup_facedown, spin) or a DeepMimic motion file;
    ``start``: scene time (s) it begins; ``until``: scene time it ends (default: when the next
    clip starts, or never; a clip that does not loop holds its last pose); ``blend``: seconds of
    cross-fade from the previous clip; ``speed``: playback rate.
    """

    clip: Annotated[str, Field(min_length=1)]
    start: NonNegFloat = 0.0
    until: NonNegFloat | None = None
    blend: NonNegFloat = 0.0
    speed: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> MotionClip:
        if self.until is not None and self.until <= self.start:
            raise ValueError(f"'until' ({self.until:g} s) must come after 'start' ({self.start:g} s)")
        return self


class LookKey(Model):
    """Where a person's head points at ``time`` (s), relative to their body: ``yaw`` degrees to
    their left, ``pitch`` degrees up.  Between keys the head turns smoothly; it keeps the first
    key's direction before it and the last one's after.  Added on top of the clips."""

    time: NonNegFloat
    yaw: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)] = 0.0
    pitch: Annotated[float, Field(ge=-60, le=60, allow_inf_nan=False)] = 0.0


class RagdollSpec(Model):
    """When the person goes limp by themselves: ``on_impact_above`` N·s of summed contact
    impulse from one blow (the floor does not count)."""

    on_impact_above: PositiveFloat | None = None


class Attach(Model):
    """Hold this object on a person's body part.

    ``to``: the person (a humanoid object); ``bone``: the body part (see
    :data:`ATTACH_POINTS`); ``offset``: metres in the part's frame (x forward, y to the
    person's left, z up when standing); ``rotation``: degrees (X, Y, Z) relative to the part;
    ``break_force``: newtons; above it the object comes off (default: never).  The object's own
    ``position`` and ``rotation`` are ignored.
    """

    to: Annotated[str, Field(min_length=1)]
    bone: str = "head"
    offset: Vec3 = (0.0, 0.0, 0.0)
    rotation: Vec3 | None = None
    break_force: PositiveFloat | None = None


def people_problems(data: dict, object_names: list[str], base: Path) -> list[tuple[tuple, str]]:
    """Problems with people that single fields cannot see: motion/ragdoll on objects that are
    not humanoids, unknown clips and attachment targets, actions on people.

    Returns a list of (location tuple, message).
    """
    from ..assets.mocap import BUILTIN_CLIPS

    out: list[tuple[tuple, str]] = []
    objects = data.get("objects") if isinstance(data.get("objects"), list) else []
    humanoids = {
        o["name"] for o in objects
        if isinstance(o, dict) and isinstance(o.get("shape"), dict) and o["shape"].get("type") == "humanoid"
        and isinstance(o.get("name"), str)
    }
    for i, o in enumerate(objects):
        if not isinstance(o, dict):
            continue
        is_person = o.get("name") in humanoids
        for key in ("motion", "ragdoll", "look"):
            if o.get(key) not in (None, [], {}) and not is_person:
                out.append((("objects", i, key), f"'{key}' is for people; give this object "
                            "'shape: {type: humanoid}' or remove it"))
        if is_person:
            for key in ("static", "kinematic", "breakable"):
                if o.get(key) not in (None, False):
                    out.append((("objects", i, key), f"a humanoid cannot be {key}; people move by "
                                "their 'motion' clips and go limp with 'ragdoll'"))
            skin = o["shape"].get("skin") if isinstance(o.get("shape"), dict) else None
            if isinstance(skin, str):
                path = _path(base, skin)
                if not path.is_file():
                    out.append((("objects", i, "shape", "skin"),
                                f"skin file not found: {path} (a rigged glTF/GLB character; relative "
                                "paths are resolved against the scene file's folder)"))
            motion = o.get("motion") if isinstance(o.get("motion"), list) else []
            for j, m in enumerate(motion):
                clip = m.get("clip") if isinstance(m, dict) else None
                if isinstance(clip, str) and clip not in BUILTIN_CLIPS and not _path(base, clip).is_file():
                    near = difflib.get_close_matches(clip, BUILTIN_CLIPS, n=1, cutoff=0.6)
                    hint = f"did you mean '{near[0]}'? " if near else ""
                    out.append((("objects", i, "motion", j, "clip"),
                                f"unknown clip '{clip}': {hint}built-in clips are {', '.join(BUILTIN_CLIPS)}; "
                                "or give the path of a DeepMimic motion file"))
        att = o.get("attach")
        if isinstance(att, dict):
            to = att.get("to")
            if isinstance(to, str) and to not in humanoids:
                near = difflib.get_close_matches(to, sorted(humanoids), n=1, cutoff=0.6)
                hint = f"; did you mean '{near[0]}'?" if near else (
                    f"; people in this scene: {', '.join(sorted(humanoids))}" if humanoids else
                    "; the scene has no humanoid")
                out.append((("objects", i, "attach", "to"), f"attach.to names '{to}', which is not a person{hint}"))
            bone = att.get("bone", "head")
            if isinstance(bone, str) and bone not in ATTACH_POINTS:
                near = difflib.get_close_matches(bone, ATTACH_POINTS, n=1, cutoff=0.5)
                hint = f"did you mean '{near[0]}'? " if near else ""
                out.append((("objects", i, "attach", "bone"),
                            f"unknown body part '{bone}': {hint}parts are {', '.join(ATTACH_POINTS)}"))
            if is_person:
                out.append((("objects", i, "attach"), "a person cannot be attached to another person"))
            if o.get("static") or o.get("kinematic") is not None:
                out.append((("objects", i, "attach"), "an attached object must be dynamic (remove "
                            "'static'/'kinematic'): it rides on the body part and can be knocked off"))
    actions = data.get("actions") if isinstance(data.get("actions"), list) else []
    for i, act in enumerate(actions):
        if isinstance(act, dict) and act.get("type") == "ragdoll":
            name = act.get("object")
            if isinstance(name, str) and name in object_names and name not in humanoids:
                out.append((("actions", i, "object"), f"'ragdoll' makes a person go limp; '{name}' is not a humanoid"))
        elif isinstance(act, dict) and act.get("object") in humanoids:
            out.append((("actions", i, "type"), f"action '{act.get('type')}' on a person: people take "
                        "'ragdoll' (go limp); push them with objects instead"))
    return out


def _path(base: Path, rel: str) -> Path:
    return Path(rel) if os.path.isabs(rel) else (base / rel).resolve()
