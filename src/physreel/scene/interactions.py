"""Scene models for interactions: breakable and kinematic objects, joints, scripted actions.

Units: metres, kilograms, seconds; hinge angles and angular speeds in degrees (per second) in
scene files; points (``anchor``) and axes in world coordinates at t = 0.  Every model rejects
unknown keys and is immutable; unions are tagged by ``type``.

This module does not import :mod:`physreel.scene.models` (which imports it).
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .compose import named_objects
from .keyframes import Easing, Keyframes

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Vec3 = tuple[Finite, Finite, Finite]

__all__ = [
    "Action",
    "BallJoint",
    "Breakable",
    "BreakableField",
    "FixedJoint",
    "Force",
    "Freeze",
    "HingeJoint",
    "Impulse",
    "Joint",
    "Kinematic",
    "Motor",
    "Ragdoll",
    "Release",
    "SetVelocity",
    "SliderJoint",
    "Spin",
    "SpringJoint",
    "Torque",
    "reference_problems",
]


class Model(BaseModel):
    """Base of every interaction model: immutable, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _nonzero(v: Vec3 | None, what: str) -> None:
    if v is not None and sum(c * c for c in v) < 1e-18:
        raise ValueError(f"{what} must not be the zero vector, got {list(v)}")


# --------------------------------------------------------------------------------- breakable
class Breakable(Model):
    """The object shatters into pre-fractured convex pieces when an impact is hard enough.

    The rule: the object breaks when one impact's normal impulse (summed over the impact, see
    :mod:`physreel.physics.events`) exceeds ``threshold`` (N·s), or, when no threshold is
    given, when the impulse per unit mass — the velocity change the impact gives the object —
    exceeds ``speed`` (m/s; default: the material's ``break_speed``).  For a flat landing
    with restitution ``e`` that velocity change is ``(1 + e) v``.

    Attributes
    ----------
    threshold : float or None, N·s
    speed : float or None, m/s
    pieces : int
        Voronoi seeds of the pre-fracture (see :func:`physreel.assets.fracture.fracture`); a
        thin-walled, non-convex object gives more pieces than seeds.
    crush_force : float or None, N
        The object is also crushed (shatters) when the force squeezing it (half the total
        normal force of its contacts), averaged over 0.1 s, exceeds this: a sustained load,
        not an impact (a can under a press, a cup under a stack of weights).
    """

    threshold: PositiveFloat | None = None
    speed: PositiveFloat | None = None
    pieces: Annotated[int, Field(ge=1, le=500)] = 12
    crush_force: PositiveFloat | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> Breakable:
        if self.threshold is not None and self.speed is not None:
            raise ValueError(
                "give either 'threshold' (impulse, N·s) or 'speed' (impulse per unit mass, m/s), "
                "not both"
            )
        return self


def _breakable_shorthand(v: Any) -> Any:
    """``breakable: true`` means the material's defaults; ``false`` means not breakable."""
    if v is True:
        return {}
    if v is False:
        return None
    return v


BreakableField = Annotated[Breakable | None, BeforeValidator(_breakable_shorthand)]
"""Type of ``ObjectSpec.breakable``: a :class:`Breakable`, ``true`` (defaults) or absent."""


# --------------------------------------------------------------------------------- kinematic
class Spin(Model):
    """Constant rotation: ``speed`` degrees per second (right-handed about ``axis``) about the
    line along ``axis`` through ``center`` (default: the object's position).  Axis and centre
    are world coordinates at t = 0, or the parent's frame for an object with a parent."""

    speed: Finite
    axis: Vec3 = (0.0, 0.0, 1.0)
    center: Vec3 | None = None

    @model_validator(mode="after")
    def _check(self) -> Spin:
        _nonzero(self.axis, "spin axis")
        return self


class Kinematic(Model):
    """The object follows a scripted motion exactly, pushing and carrying dynamic objects.

    ``keys``: position (metres) and ``rotation`` (degrees, extrinsic XYZ) or ``quaternion``
    keys (see :mod:`physreel.scene.keyframes`); channels a key leaves out are interpolated
    among the keys that give them, and an object whose keys give no position (or orientation)
    keeps its initial one.  ``easing`` is the easing of keys that name none (default
    ``linear``: constant speed between keys).  ``spin`` turns it at a constant angular
    velocity (after the keys).  ``parent`` (a kinematic or static object): the object moves
    with it; its keys and spin are then in the parent's frame, and without keys it keeps its
    initial pose relative to the parent (a stick on a turntable, a bucket on a crane).
    Gravity and contacts do not move it; a ``release`` action lets it go: from then on it is
    an ordinary dynamic object that keeps the velocity it had (a hand letting go).
    """

    keys: Keyframes | None = None
    easing: Easing = "linear"
    spin: Spin | None = None
    parent: Annotated[str, Field(min_length=1)] | None = None


# ------------------------------------------------------------------------------------ joints
class Motor(Model):
    """Drive a hinge (``velocity`` in degrees/s, ``max_force`` in N·m) or a slider
    (``velocity`` in m/s, ``max_force`` in N) towards a target speed."""

    velocity: Finite
    max_force: PositiveFloat


class _JointBase(Model):
    """``break_force`` (N) / ``break_torque`` (N·m): the joint breaks for good when the force
    (torque) it transmits, averaged over 10 ms, exceeds it (see
    :mod:`physreel.physics.joints`).  ``relative_to``: the joint's points (``anchor``,
    ``anchor_b``) and ``axis`` are in that object's frame at t = 0.  ``visible``: draw what
    holds the objects -- a string or rod from an anchor outside an object to it, a spring's
    line (:mod:`physreel.rendering.holders`); false hides it."""

    a: Annotated[str, Field(min_length=1)]
    b: Annotated[str, Field(min_length=1)] | None = None
    break_force: PositiveFloat | None = None
    break_torque: PositiveFloat | None = None
    relative_to: Annotated[str, Field(min_length=1)] | None = None
    visible: bool = True

    @model_validator(mode="after")
    def _two_bodies(self) -> _JointBase:
        if self.b is not None and self.a == self.b:
            raise ValueError(
                f"a joint connects two different objects, got a = b = {self.a!r}; "
                "leave 'b' out to attach the object to the world"
            )
        if self.break_torque is not None and self.type in ("ball", "spring"):
            raise ValueError(
                f"a {self.type} joint transmits no torque; 'break_torque' works on fixed, "
                "hinge and slider joints (use 'break_force')"
            )
        return self


class FixedJoint(_JointBase):
    """Glue ``a`` to ``b`` (or to the world) as they are at t = 0.  ``anchor`` (world)
    defaults to the position of ``a``."""

    type: Literal["fixed"] = "fixed"
    anchor: Vec3 | None = None


class BallJoint(_JointBase):
    """A point of ``a`` and a point of ``b`` (or the world), both at ``anchor`` (world, t = 0),
    stay together; rotation is free."""

    type: Literal["ball"] = "ball"
    anchor: Vec3


class HingeJoint(_JointBase):
    """Rotation about ``axis`` (world, t = 0) through ``anchor`` only.

    ``limits`` in degrees relative to the pose at t = 0 (positive: right-handed about
    ``axis``); ``motor`` drives the relative angular speed; ``damping`` (N·m·s/rad) resists it.
    """

    type: Literal["hinge"] = "hinge"
    anchor: Vec3
    axis: Vec3 = (0.0, 0.0, 1.0)
    limits: tuple[Finite, Finite] | None = None
    motor: Motor | None = None
    damping: NonNegFloat = 0.0

    @model_validator(mode="after")
    def _check(self) -> HingeJoint:
        _nonzero(self.axis, "hinge axis")
        if self.limits is not None and not self.limits[0] <= 0.0 <= self.limits[1]:
            raise ValueError(
                f"hinge limits [lo, hi] (degrees from the pose at t = 0) must satisfy "
                f"lo <= 0 <= hi, got {list(self.limits)}"
            )
        return self


class SliderJoint(_JointBase):
    """Translation along ``axis`` (world, t = 0) only; orientation is locked.

    ``limits`` in metres along ``axis`` from the position at t = 0; ``motor`` drives the
    relative speed (m/s); ``damping`` in N·s/m.
    """

    type: Literal["slider"] = "slider"
    axis: Vec3 = (1.0, 0.0, 0.0)
    limits: tuple[Finite, Finite] | None = None
    motor: Motor | None = None
    damping: NonNegFloat = 0.0

    @model_validator(mode="after")
    def _check(self) -> SliderJoint:
        _nonzero(self.axis, "slider axis")
        if self.limits is not None and not self.limits[0] <= 0.0 <= self.limits[1]:
            raise ValueError(
                f"slider limits [lo, hi] (metres from the position at t = 0) must satisfy "
                f"lo <= 0 <= hi, got {list(self.limits)}"
            )
        return self


class SpringJoint(_JointBase):
    """A damped spring between a point of ``a`` (``anchor``, world at t = 0, default: the
    position of ``a``) and a point of ``b`` or of the world (``anchor_b``, default: the
    position of ``b``; required when ``b`` is left out).

    Force ``stiffness (L - rest_length) + damping dL/dt`` along the line between the points;
    ``rest_length`` defaults to the distance at t = 0.
    """

    type: Literal["spring"] = "spring"
    anchor: Vec3 | None = None
    anchor_b: Vec3 | None = None
    stiffness: PositiveFloat
    damping: NonNegFloat = 0.0
    rest_length: NonNegFloat | None = None

    @model_validator(mode="after")
    def _check(self) -> SpringJoint:
        if self.b is None and self.anchor_b is None:
            raise ValueError(
                "a spring to the world needs 'anchor_b' (the world point it hangs from)"
            )
        return self


Joint = Annotated[
    FixedJoint | BallJoint | HingeJoint | SliderJoint | SpringJoint, Field(discriminator="type")
]


# ----------------------------------------------------------------------------------- actions
class _ActionBase(Model):
    time: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    object: Annotated[str, Field(min_length=1)]


class Impulse(_ActionBase):
    """Add ``vector`` (N·s, world) to the object's momentum, applied at ``point`` (world;
    default: its centre of mass)."""

    type: Literal["impulse"] = "impulse"
    vector: Vec3
    point: Vec3 | None = None


class Force(_ActionBase):
    """Push with ``vector`` (N, world) for ``duration`` seconds.  ``point``: the point of the
    object (world coordinates when the force starts; it moves with the object) where the force
    acts; default: the centre of mass."""

    type: Literal["force"] = "force"
    vector: Vec3
    duration: PositiveFloat
    point: Vec3 | None = None


class Torque(_ActionBase):
    """Twist with ``vector`` (N·m, world) for ``duration`` seconds."""

    type: Literal["torque"] = "torque"
    vector: Vec3
    duration: PositiveFloat


class SetVelocity(_ActionBase):
    """Set the velocity of the centre of mass (m/s) and/or the angular velocity (rad/s, as
    an object's ``angular_velocity``)."""

    type: Literal["set_velocity"] = "set_velocity"
    velocity: Vec3 | None = None
    angular_velocity: Vec3 | None = None

    @model_validator(mode="after")
    def _something(self) -> SetVelocity:
        if self.velocity is None and self.angular_velocity is None:
            raise ValueError(
                "set_velocity needs 'velocity' (m/s) and/or 'angular_velocity' (rad/s)"
            )
        return self


class Release(_ActionBase):
    """Let go at ``time``.  A dynamic object is held still where the scene puts it until then
    and then moves freely (with its scene ``velocity``); a kinematic object (keyed, spun,
    carried by a parent) becomes dynamic and keeps the velocity it had."""

    type: Literal["release"] = "release"


class Freeze(_ActionBase):
    """The object stops and stays where it is (static) from ``time`` on."""

    type: Literal["freeze"] = "freeze"


class Ragdoll(_ActionBase):
    """The person goes limp at ``time``: a physical body with joint friction and joint ranges
    that falls and settles (humanoid objects only)."""

    type: Literal["ragdoll"] = "ragdoll"


Action = Annotated[
    Impulse | Force | Torque | SetVelocity | Release | Freeze | Ragdoll, Field(discriminator="type")
]


# ------------------------------------------------------------------------- reference checks
def _unknown(name: str, names: list[str], what: str) -> str:
    near = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"; did you mean '{near[0]}'?" if near else f"; objects: {', '.join(names) or 'none'}"
    return f"{what} names an unknown object '{name}'{hint}"


def reference_problems(data: dict, object_names: list[str]) -> list[tuple[tuple, str]]:
    """Problems with names and combinations that single models cannot check.

    Parameters
    ----------
    data : dict
        The raw scene document (before validation).
    object_names : list of str
        Names of the scene's objects.

    Returns
    -------
    list of (location tuple, message)
        E.g. ``(("joints", 0, "b"), "joint names an unknown object 'bal'; did you mean
        'ball'?")``.
    """
    out: list[tuple[tuple, str]] = []
    objects = data.get("objects") if isinstance(data.get("objects"), list) else []
    specs = named_objects(objects)  # (array copies by their own names)
    actions = data.get("actions") if isinstance(data.get("actions"), list) else []
    released_names = {
        a.get("object") for a in actions if isinstance(a, dict) and a.get("type") == "release"
    }

    def static(name: str) -> bool:
        return bool(specs.get(name, {}).get("static", False))

    def kinematic(name: str) -> bool:
        return specs.get(name, {}).get("kinematic") is not None

    for i, o in enumerate(objects):
        if not isinstance(o, dict):
            continue
        if o.get("kinematic") is not None and o.get("static"):
            out.append(
                (
                    (("objects", i, "kinematic")),
                    "an object cannot be both static and "
                    "kinematic; remove 'static: true' (a kinematic object follows its keys)",
                )
            )
        if o.get("breakable") not in (None, False) and (
            o.get("static") or (o.get("kinematic") is not None and o.get("name") not in released_names)
        ):
            out.append(
                (
                    (("objects", i, "breakable")),
                    "a static or kinematic object cannot be "
                    "breakable; make it a dynamic object (remove 'static'/'kinematic'), or "
                    "release the kinematic object with a 'release' action",
                )
            )
        out.extend(_parent_problems(i, o, specs, object_names))
        shape = o.get("shape")
        if isinstance(shape, dict) and shape.get("type") == "rope":
            for key in ("start_object", "end_object"):
                name = shape.get(key)
                if isinstance(name, str) and (name not in specs or name == o.get("name")):
                    out.append((("objects", i, "shape", key), _unknown(name, object_names, "rope end")
                                if name != o.get("name") else "a rope cannot be tied to itself"))

    joints = data.get("joints") if isinstance(data.get("joints"), list) else []
    for i, j in enumerate(joints):
        if not isinstance(j, dict):
            continue
        for key in ("a", "b"):
            name = j.get(key)
            if isinstance(name, str) and name not in specs:
                out.append((("joints", i, key), _unknown(name, object_names, "joint")))
        a, b = j.get("a"), j.get("b")
        if (
            isinstance(a, str)
            and a in specs
            and (static(a) or kinematic(a))
            and (b is None or (isinstance(b, str) and b in specs and (static(b) or kinematic(b))))
        ):
            out.append(
                (
                    ("joints", i),
                    f"joint between '{a}' and {repr(b) if b else 'the world'}: "
                    "at least one side must be a dynamic object (not static or kinematic)",
                )
            )

    released: set[str] = set()
    for i, act in enumerate(actions):
        if not isinstance(act, dict):
            continue
        name = act.get("object")
        if not isinstance(name, str):
            continue
        if name not in specs:
            out.append((("actions", i, "object"), _unknown(name, object_names, "action")))
            continue
        kind = act.get("type")
        if static(name) or (kinematic(name) and kind != "release"):
            what = "static" if static(name) else "kinematic"
            hint = "" if static(name) else " (a kinematic object takes a 'release' first)"
            out.append(
                (
                    ("actions", i, "object"),
                    f"action '{kind}' on '{name}', which is {what}: "
                    f"actions move dynamic objects only{hint}",
                )
            )
        if kind == "release":
            if name in released:
                out.append(
                    (
                        ("actions", i),
                        f"'{name}' is released twice; an object is held "
                        "until its one release action",
                    )
                )
            released.add(name)
    return out


def _parent_problems(i: int, o: dict, specs: dict, object_names: list[str]) -> list[tuple[tuple, str]]:
    """A kinematic parent must exist, be kinematic or static, and not lead back to the child."""
    kin = o.get("kinematic")
    parent = kin.get("parent") if isinstance(kin, dict) else None
    if not isinstance(parent, str):
        return []
    loc = ("objects", i, "kinematic", "parent")
    if parent not in specs:
        return [(loc, _unknown(parent, object_names, "kinematic parent"))]
    p = specs[parent]
    if not p.get("static") and p.get("kinematic") is None:
        return [(loc, f"parent '{parent}' is a dynamic object; a parent must be kinematic or "
                      "static (make it kinematic with keys or a spin)")]
    seen, node = {o.get("name")}, parent
    while isinstance(node, str) and node in specs:
        if node in seen:
            return [(loc, f"parents form a loop through '{node}'; a parent cannot be its own "
                          "descendant")]
        seen.add(node)
        k = specs[node].get("kinematic")
        node = k.get("parent") if isinstance(k, dict) else None
    return []
