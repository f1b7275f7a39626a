"""Checks of a built scene that warn before anything is rendered.

- :func:`start_overlaps`: objects that start inside each other or inside the floor.  pybullet
  pushes such objects apart at once (at about 1 m/s for a few centimetres), which looks like an
  explosion at t = 0.  The check uses the collision shapes physics uses: the world is built
  (no step is taken) and pybullet's contact query gives each pair's penetration depth and
  direction, from which a position that separates the pair is proposed.
- :func:`view_problems`: cameras that do not see the moving objects at t = 0 (the first frame
  would show an empty floor).  An object is seen when its bounding sphere overlaps the image
  (:func:`physreel.rendering.visibility.in_view`, the test behind ``in_view_at_start``).

Every warning names its object the way the scene file does: ``objects[3] 'bunny'``.
:func:`checked` returns the Assembly with these warnings added (once); the metadata, the
render result and the CLI read them from ``assembly.warnings``.
"""

from __future__ import annotations

import dataclasses
import weakref
from dataclasses import dataclass

import numpy as np

from .assembly import Assembly
from .physics.trajectory import Trajectory
from .scene.naming import object_label

OVERLAP_TOLERANCE = 0.001
"""Penetration (m) below which two shapes count as touching, not overlapping: objects placed
exactly on the floor or on each other report depths of a few micrometres."""

FIX_MARGIN = 0.001
"""Clearance (m) a proposed fixing position leaves between the two objects."""


@dataclass(frozen=True)
class Overlap:
    """Two things that start inside each other.

    Attributes
    ----------
    a : str
        The object to move (it can move: not static, not kinematic, when either can).
    b : str or None
        The object it is inside, or None for the floor.
    depth : float, m
        Penetration depth.
    fix : (3,) float64, m
        A position of ``a`` that separates the pair (``depth`` + 1 mm along the contact normal).
    """

    a: str
    b: str | None
    depth: float
    fix: np.ndarray


def label(assembly: Assembly, name: str) -> str:
    """How a warning names an object: ``objects[3] 'bunny' (assets/bunny.ply)``."""
    obj = assembly.objects.get(name)
    return object_label(obj.index, obj.spec) if obj is not None else f"'{name}'"


def _short_label(assembly: Assembly, name: str | None) -> str:
    if name is None:
        return "the floor"
    obj = assembly.objects.get(name)
    return f"objects[{obj.index}] '{name}'" if obj is not None else f"'{name}'"


def _movable(assembly: Assembly, name: str) -> bool:
    obj = assembly.objects[name]
    return not obj.static and obj.spec.kinematic is None and not _attached(obj)


def start_overlaps(assembly: Assembly, *, tolerance: float = OVERLAP_TOLERANCE) -> list[Overlap]:
    """Pairs of objects (or an object and the floor) that interpenetrate at t = 0.

    Pairs joined by a joint, pairs of objects that cannot move (static or kinematic) and
    bodies of one object are not reported.

    Returns
    -------
    list of Overlap, deepest first
    """
    from .physics.controllers import controllers_for
    from .physics.world import World

    joined = {frozenset((j.a, j.b)) for j in assembly.scene.joints if j.b is not None}
    deepest: dict[tuple[str, str | None], tuple[float, np.ndarray]] = {}
    with World(assembly) as world:
        # the state the first step starts from: joints, ropes and attachments tied, with the
        # collisions they switch off (a rope's end inside the object it holds is no overlap)
        world.controllers = controllers_for(assembly.scene)
        for ctl in world.controllers:
            ctl.setup(world)
        p, c = world.p, world.client
        owner = {b.body_id: _owner(assembly, b.name) for b in world.bodies}
        p.performCollisionDetection(physicsClientId=c)
        for cp in p.getContactPoints(physicsClientId=c):
            depth = -float(cp[8])
            if depth <= tolerance:
                continue
            a, b = owner.get(cp[1]), owner.get(cp[2])
            normal_on_b = np.asarray(cp[7], dtype=np.float64)  # points from b towards a
            if cp[1] == world.ground_id:
                a, b, normal_on_b = b, None, -normal_on_b
            elif cp[2] == world.ground_id:
                b = None
            if a is None or a == b or (b is not None and frozenset((a, b)) in joined):
                continue
            if _attached(assembly.objects[a]) or (b is not None and _attached(assembly.objects[b])):
                continue  # placed by its attachment once the simulation starts
            if b is not None and assembly.objects[a].index > assembly.objects[b].index:
                a, b, normal_on_b = b, a, -normal_on_b  # one entry per pair, whatever the order
            key = (a, b)
            if key not in deepest or depth > deepest[key][0]:
                deepest[key] = (depth, normal_on_b)
    out = []
    for (a, b), (depth, n) in deepest.items():
        move = _which_moves(assembly, a, b, n)
        if move is None:
            continue
        name, direction = move
        pos = assembly.objects[name].position
        fix = _round_away(pos, pos + direction * (depth + FIX_MARGIN))
        other = b if name == a else a
        out.append(Overlap(name, other, depth, fix))
    return sorted(out, key=lambda o: -o.depth)


def _owner(assembly: Assembly, body: str) -> str | None:
    """The scene object a body belongs to (itself for rigid objects; ``name.part`` or
    ``name:part`` for the bodies of other kinds)."""
    if body in assembly.objects:
        return body
    for sep in (".", ":", "/"):
        head = body.split(sep, 1)[0]
        if head in assembly.objects:
            return head
    return None


def _which_moves(assembly: Assembly, a: str, b: str | None, normal_on_b: np.ndarray):
    """``(object, unit direction)`` that separates the pair, or None when neither can move.
    ``normal_on_b`` points from ``b`` towards ``a``.  When both can move, the one the fix lifts
    moves (a box inside a crate comes out of its top)."""
    can_a = _movable(assembly, a)
    can_b = b is not None and _movable(assembly, b)
    if not can_a and not can_b:
        return None
    if can_a and (not can_b or normal_on_b[2] > -normal_on_b[2] + 1e-9
                  or (abs(normal_on_b[2]) <= 1e-9 and assembly.objects[a].index > assembly.objects[b].index)):
        return a, normal_on_b
    return b, -normal_on_b


def _round_away(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """``end`` rounded to millimetres, each coordinate away from ``start`` (never back into the
    overlap)."""
    step = 1000.0
    return np.where(end >= start, np.ceil(end * step - 1e-6), np.floor(end * step + 1e-6)) / step


def overlap_warning(assembly: Assembly, o: Overlap) -> str:
    fix = "[" + ", ".join(f"{v + 0.0:g}" for v in o.fix) + "]"
    depth = f"{o.depth * 100:.1f} cm" if o.depth >= 0.01 else f"{o.depth * 1000:.1f} mm"
    head = (f"{label(assembly, o.a)} starts {depth} inside {_short_label(assembly, o.b)}; the physics "
            "engine will push them apart at t = 0 (they jump).")
    if assembly.objects[o.a].kind != "rigid":  # a rope or a person is not placed by 'position'
        return f"{head} Move them apart"
    return f"{head} Move '{o.a}' to position: {fix}"


# ------------------------------------------------------------------------------ views at t = 0
def initial_trajectory(assembly: Assembly) -> Trajectory:
    """A Trajectory that holds the scene's initial state still for the whole clip (no
    simulation): camera motions evaluate at frame 0 exactly as they will in the render."""
    objs = list(assembly)
    n, t = len(objs), assembly.scene.num_frames
    pos = np.asarray([o.position for o in objs], dtype=np.float64).reshape(1, n, 3)
    quat = np.asarray([o.quaternion for o in objs], dtype=np.float64).reshape(1, n, 4)
    return Trajectory(
        fps=float(assembly.scene.fps),
        names=[o.name for o in objs],
        position=np.broadcast_to(pos, (t, n, 3)),
        quaternion=np.broadcast_to(quat, (t, n, 4)),
        velocity=np.zeros((t, n, 3)),
        angular_velocity=np.zeros((t, n, 3)),
        present=np.ones((t, n), dtype=bool),
        masses={o.name: o.mass for o in objs},
    )


def view_problems(assembly: Assembly, trajectory: Trajectory | None = None, *,
                  cameras: list[str] | None = None) -> list[str]:
    """Warnings for cameras that see none of the moving objects at t = 0 (the first frame
    would show no subject).  A camera that misses only some of them is not warned about here:
    an object may enter later on purpose; :func:`never_seen` names the ones no camera ever
    shows, once the scene is simulated.

    ``trajectory`` is the simulation (needed for cameras with ``look_at: auto``, which are
    skipped without it); without it the scene's initial state is used.  ``cameras`` limits the
    check to these camera names.
    """
    from .rendering.stream import camera_views
    from .rendering.visibility import bounding_spheres, in_view

    scene = assembly.scene
    moving = [o.name for o in assembly if not o.static and not _attached(o)]
    if not moving:
        return []
    traj = trajectory if trajectory is not None else initial_trajectory(assembly)
    sub = _only(_first_frame(traj), assembly.objects)
    spheres = bounding_spheres(sub, {n: assembly.objects[n].geometry for n in sub.names})
    centres = {n: (sub.pose_matrix(0, i) @ np.append(spheres[n][0], 1.0))[:3] for i, n in enumerate(sub.names)}
    w, h = scene.resolution
    out = []
    for cam in scene.cameras:
        if cameras is not None and cam.name not in cameras:
            continue
        if isinstance(cam.look_at, str):
            continue  # look_at: auto, framed from the simulation (physreel.framing)
        view = camera_views(scene, cam, traj, w, h)[0]
        seen = in_view(sub, [view], spheres)[0]
        if any(seen[i] for i, n in enumerate(sub.names) if n in moving):
            continue
        listed = ", ".join(f"{_short_label(assembly, n)} ({_where(view, centres[n])})" for n in moving[:4])
        if len(moving) > 4:
            listed += f" and {len(moving) - 4} more"
        centre = np.mean([centres[n] for n in moving], axis=0)
        aim = "[" + ", ".join(f"{v:.2f}".rstrip("0").rstrip(".") for v in centre + 0.0) + "]"
        out.append(f"camera '{cam.name}' sees none of the moving objects at t = 0: {listed}; the first frame "
                   f"shows no subject. Aim it at them (look_at: {aim}) or write look_at: auto to frame "
                   "everything that moves")
    return out


def never_seen(assembly: Assembly, metadata: dict) -> list[str]:
    """Warnings for moving objects that no camera shows at any frame of the clip, read from a
    simulation record's metadata (each camera's ``in_view_at_start`` and ``enter`` events)."""
    seen = set()
    for cam in (metadata.get("cameras") or {}).values():
        seen.update(cam.get("in_view_at_start") or [])
    seen.update(e.get("object") for e in metadata.get("events") or [] if e.get("type") == "enter")
    return [f"{label(assembly, o.name)} is never in view: no camera shows it during the clip. Aim a camera "
            "at it or write look_at: auto" for o in assembly
            if not o.static and not _attached(o) and o.name not in seen]


def _attached(obj) -> bool:
    """Held by a person (``attach``): its own position is ignored, the person's hand or head
    places it."""
    return getattr(obj.spec, "attach", None) is not None


def _first_frame(traj: Trajectory) -> Trajectory:
    if traj.num_frames == 1:
        return traj
    return dataclasses.replace(
        traj, position=traj.position[:1], quaternion=traj.quaternion[:1], velocity=traj.velocity[:1],
        angular_velocity=traj.angular_velocity[:1], present=traj.present[:1], events=[])


def _only(traj: Trajectory, names) -> Trajectory:
    """``traj`` restricted to the bodies in ``names`` (the scene objects, not pieces)."""
    keep = [i for i, n in enumerate(traj.names) if n in names]
    return dataclasses.replace(
        traj, names=[traj.names[i] for i in keep], position=traj.position[:, keep],
        quaternion=traj.quaternion[:, keep], velocity=traj.velocity[:, keep],
        angular_velocity=traj.angular_velocity[:, keep], present=traj.present[:, keep], extra_geometry={})


def _where(view, point: np.ndarray) -> str:
    """Where a world point lies relative to a camera's image: behind, above, left of..."""
    pc = view.world_to_camera[:3, :3] @ point + view.world_to_camera[:3, 3]
    if pc[2] <= 1e-6:
        return "behind the camera"
    u = view.K[0, 0] * pc[0] / pc[2] + view.K[0, 2]
    v = view.K[1, 1] * pc[1] / pc[2] + view.K[1, 2]
    parts = []
    if v < 0:
        parts.append("above")
    elif v > view.height:
        parts.append("below")
    if u < 0:
        parts.append("left of")
    elif u > view.width:
        parts.append("right of")
    return (" and ".join(parts) + " the frame") if parts else "at the edge of the frame"


# ------------------------------------------------------------------------------ the Assembly
_CHECKED: weakref.WeakValueDictionary[int, Assembly] = weakref.WeakValueDictionary()


def checked(assembly: Assembly, *, overlaps: bool = True) -> Assembly:
    """``assembly`` with the warnings of :func:`start_overlaps` and :func:`view_problems` (at
    t = 0, cameras not framed automatically) added, once its images are known to decode
    (:func:`physreel.validation.check_images` raises ``AssetError`` otherwise).  Checking a checked Assembly returns it
    unchanged.

    ``overlaps=False`` skips the overlap check (it builds a pybullet world: about 0.1 s, 5 % of
    a batch sample; batch templates place random objects apart already, and ``physreel
    validate`` checks a template's first sample)."""
    if _CHECKED.get(id(assembly)) is assembly:
        return assembly
    from .validation import check_images

    check_images(assembly)  # an image that does not decode is an error before simulating
    found = [overlap_warning(assembly, o) for o in start_overlaps(assembly)] if overlaps else []
    found += view_problems(assembly)
    out = with_warnings(assembly, found)
    _CHECKED[id(out)] = out
    return out


def with_warnings(assembly: Assembly, warnings: list[str]) -> Assembly:
    """A copy of ``assembly`` with ``warnings`` added (each once, in order)."""
    merged = list(dict.fromkeys([*assembly.warnings, *warnings]))
    if merged == list(assembly.warnings):
        return assembly
    out = dataclasses.replace(assembly, warnings=merged)
    if _CHECKED.get(id(assembly)) is assembly:
        _CHECKED[id(out)] = out
    return out
