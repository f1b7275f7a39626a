"""Rigged glTF characters as people: a rig built from the skeleton, clips retargeted onto it,
and the mesh skinned per frame.

**Frame.**  The character is converted to physreel's frame (glTF Y up -> Z up), turned to face
+x (the direction its toes point, or glTF's +Z front when it has no toes), scaled to the
requested height and put on the floor.  Every bone gets a world-aligned frame at rest (like the
mannequin's), so skinning needs no inverse bind matrices: a vertex follows its bones by
``v = sum_k w_k (R_k(t) (v_rest - p_k,rest) + p_k(t))`` (linear blend skinning).

**Roles.**  The skeleton is read by its structure, not by names: the root's children that go
down are the legs (hip, knee, ankle, toe along each chain), the one that goes up is the spine,
which branches into two arms (shoulder, elbow, wrist) and the neck (neck, head); left is the
side at +y once the character faces +x.

**Body.**  Each bone carries one capsule fitted to the vertices it moves most (axis along the
bone, or the vertices' main axis at chain ends; radius the 75th percentile of their distances
from the axis), so what collides is what is drawn.  Masses follow the capsules' volumes.

**Retargeting.**  A clip's joints turn the bones of matching roles: a bone's world rotation is
the clip joint's world rotation times the rotation that takes the bone's rest direction to the
clip skeleton's (a T-posed arm hangs like the clip's arm); bones without a role follow their
parent.  The root moves like the clip's pelvis, scaled by the ratio of hip heights.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import AssetError
from ..quaternions import IDENTITY, qbetween, qconj, qfrom_axis_angle, qmul, qrot, qto_matrix, qyaw
from .gltf_skin import read_skin
from .mannequin import reference
from .mocap import JOINTS
from .rig import JointRange, Rig, capsule_between, mass_properties

_Y_TO_Z = np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])

# Clip joints and the rig roles they turn; the clip's wrist is fixed to its elbow.
_CLIP_ROLE = {j: j for j in JOINTS}
_CHAINS = {  # role -> the role its bone points to (for rest directions)
    "pelvis": "chest", "chest": "neck", "neck": "head",
    "right_hip": "right_knee", "right_knee": "right_ankle", "right_ankle": "right_toe",
    "left_hip": "left_knee", "left_knee": "left_ankle", "left_ankle": "left_toe",
    "right_shoulder": "right_elbow", "right_elbow": "right_wrist",
    "left_shoulder": "left_elbow", "left_elbow": "left_wrist",
}


@dataclass(frozen=True)
class SkinModel:
    """A skinned mesh bound to a rig (physreel frame, standing at rest).

    Attributes
    ----------
    vertices : (V, 3) float64, metres: rest-pose positions in the world (character at the
        origin, facing +x, soles at z = 0)
    normals : (V, 3) float64 or None
    uv : (V, 2) float64 or None
    faces : (F, 3) int64
    bones : (V, 4) int64: rig bone indices
    weights : (V, 4) float64
    rest_positions : (B, 3) float64: bone origins at rest
    texture : bytes or None: base-colour image file
    base_color : (4,) float64
    """

    vertices: np.ndarray
    normals: np.ndarray | None
    uv: np.ndarray | None
    faces: np.ndarray
    bones: np.ndarray
    weights: np.ndarray
    rest_positions: np.ndarray
    texture: bytes | None
    base_color: np.ndarray

    def deform(self, positions: np.ndarray, quaternions: np.ndarray) -> np.ndarray:
        """Vertex positions (V, 3) for world bone poses (B, 3), (B, 4) (linear blend skinning).

        Each bone's motion is one 3 x 4 matrix ``[R | p - R p_rest]``; a vertex blends the
        matrices of its bones (a dense (V, B) weight matrix: one matrix product per frame).
        """
        rot = qto_matrix(quaternions)  # (B, 3, 3)
        trans = positions - np.einsum("bij,bj->bi", rot, self.rest_positions)
        mats = np.concatenate([rot, trans[:, :, None]], axis=2).reshape(len(rot), 12)
        blended = (self._dense @ mats).reshape(-1, 3, 4)
        return np.einsum("vij,vj->vi", blended[:, :, :3], self.vertices) + blended[:, :, 3]

    @property
    def _dense(self) -> np.ndarray:
        cached = self.__dict__.get("_dense_weights")
        if cached is None:
            cached = np.zeros((len(self.vertices), len(self.rest_positions)))
            np.add.at(cached, (np.arange(len(self.vertices))[:, None], self.bones), self.weights)
            object.__setattr__(self, "_dense_weights", cached)
        return cached


@dataclass(frozen=True)
class SkinnedPerson:
    """A character ready to play clips: ``rig`` (physics and keypoints), ``skin`` (drawing)
    and ``mapper`` (clip poses -> rig poses, see :class:`~physreel.assets.motion.MotionPlan`)."""

    rig: Rig
    skin: SkinModel
    mapper: object
    roles: dict


def skinned_person(path: str | Path, height: float, mass: float) -> SkinnedPerson:
    """A rigged glTF character ``height`` metres tall weighing ``mass`` kg (cached per file)."""
    base = _base(str(Path(path).resolve()))
    s = height / base.rig.height
    return _scaled(base, s, mass)


@lru_cache(maxsize=8)
def _base(path: str) -> SkinnedPerson:
    g = read_skin(path)
    verts = g.skin(g.rest_globals) @ _Y_TO_Z.T
    joints = g.rest_globals[:, :3, 3] @ _Y_TO_Z.T
    roots = np.flatnonzero(g.joint_parents < 0)
    if len(roots) != 1:
        raise AssetError(f"{path}: the skin has {len(roots)} root joints; a character needs one skeleton")
    order = _topological(g.joint_parents, int(roots[0]))
    # Face +x, feet on the floor, root above the origin.
    roles = _roles(g.joint_parents, joints, path)
    fwd = _forward(roles, joints)
    turn = qyaw(-np.arctan2(fwd[1], fwd[0]))
    verts = qrot(turn, verts)
    joints = qrot(turn, joints)
    if joints[roles["left_hip"], 1] < joints[roles["right_hip"], 1]:  # the structure guessed the sides
        for a, b in [("left_" + k, "right_" + k) for k in ("hip", "knee", "ankle", "toe", "shoulder", "elbow", "wrist")]:
            if a in roles and b in roles:
                roles[a], roles[b] = roles[b], roles[a]
    shift = np.array([joints[roots[0], 0], joints[roots[0], 1], verts[:, 2].min()])
    verts = verts - shift
    joints = joints - shift
    # Rig bones in parent-first order.
    new = {old: i for i, old in enumerate(order)}
    parents = np.array([-1 if g.joint_parents[o] < 0 else new[int(g.joint_parents[o])] for o in order])
    pos = joints[order]
    offsets = np.where(parents[:, None] >= 0, pos - pos[np.maximum(parents, 0)], pos)
    bones = np.vectorize(new.get)(g.joints)
    roles = {r: new[j] for r, j in roles.items()}
    names = [g.joint_names[o] for o in order]
    part_names = list(names)
    for r, b in roles.items():
        part_names[b] = _PART_OF_ROLE.get(r, part_names[b])
    shapes = _fit_shapes(verts, bones, g.weights, pos, parents)
    if not shapes[0]:
        raise AssetError(f"{path}: no vertices follow the root joint; cannot build a body from this skin")
    height = float(verts[:, 2].max() - verts[:, 2].min())
    joints_r = _joint_ranges(roles, pos, parents, len(order))
    points = _points(roles, verts, bones, g.weights, pos)
    fractions = _mass_fractions(roles, parents, shapes)
    coms, inertias = zip(*(mass_properties(sh, f) for sh, f in zip(shapes, fractions, strict=True)), strict=True)
    ref = reference()
    clip_scale = float(pos[0, 2]) / ref.rest_root_height
    rig = Rig(names, parents, offsets, np.tile(IDENTITY, (len(order), 1)), part_names, shapes, fractions,
              np.stack(coms), np.stack(inertias), joints_r, points, height, clip_scale)
    normals = g.normals
    if normals is not None:
        normals = qrot(turn, normals @ _Y_TO_Z.T)
    skin = SkinModel(verts, normals, g.uv, g.faces, bones, g.weights, pos, g.texture, g.base_color)
    return SkinnedPerson(rig, skin, _Mapper(rig, roles, pos), roles)


def _scaled(base: SkinnedPerson, s: float, mass: float) -> SkinnedPerson:
    rig = base.rig
    m = mass / rig.mass
    joints = [JointRange(j.kind, j.center, j.swing, j.twist, j.axis, j.lower, j.upper,
                         j.friction * mass * 9.81 * rig.height * s) for j in rig.joints]
    scaled = Rig(rig.names, rig.parents, rig.offsets * s, rig.rest, rig.part_names,
                 [[sh.scaled(s) for sh in shp] for shp in rig.shapes], rig.masses * m, rig.coms * s,
                 rig.inertias * m * s * s, joints, {k: (b, p * s) for k, (b, p) in rig.points.items()},
                 rig.height * s, rig.clip_scale * s)
    sk = base.skin
    skin = SkinModel(sk.vertices * s, sk.normals, sk.uv, sk.faces, sk.bones, sk.weights, sk.rest_positions * s,
                     sk.texture, sk.base_color)
    return SkinnedPerson(scaled, skin, _Mapper(scaled, base.roles, sk.rest_positions * s), base.roles)


# ----------------------------------------------------------------------------- structure
_PART_OF_ROLE = {
    "pelvis": "pelvis", "chest": "chest", "neck": "neck", "head": "head",
    "right_hip": "right_thigh", "right_knee": "right_shin", "right_ankle": "right_foot", "right_toe": "right_toes",
    "left_hip": "left_thigh", "left_knee": "left_shin", "left_ankle": "left_foot", "left_toe": "left_toes",
    "right_shoulder": "right_upper_arm", "right_elbow": "right_forearm", "right_wrist": "right_hand",
    "left_shoulder": "left_upper_arm", "left_elbow": "left_forearm", "left_wrist": "left_hand",
}


def _topological(parents: np.ndarray, root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for j, p in enumerate(parents):
        if p >= 0:
            children.setdefault(int(p), []).append(j)
    out, todo = [], [root]
    while todo:
        j = todo.pop(0)
        out.append(j)
        todo.extend(children.get(j, []))
    return out


def _chain(children: dict[int, list[int]], start: int) -> list[int]:
    out = [start]
    while len(children.get(out[-1], [])) == 1:
        out.append(children[out[-1]][0])
    return out


def _roles(parents: np.ndarray, joints: np.ndarray, path) -> dict[str, int]:
    """Role -> joint index, read from the skeleton's shape (see the module notes)."""
    root = int(np.flatnonzero(parents < 0)[0])
    children: dict[int, list[int]] = {}
    for j, p in enumerate(parents):
        if p >= 0:
            children.setdefault(int(p), []).append(j)
    up = joints[:, 2]
    below = [c for c in children.get(root, []) if up[_chain(children, c)[-1]] < up[root] - 1e-6]
    above = [c for c in children.get(root, []) if c not in below]
    if len(below) != 2 or len(above) != 1:
        raise AssetError(f"{path}: the skeleton does not look like a person (expected two legs below "
                         f"the root joint and a spine above it; found {len(below)} and {len(above)})")
    roles = {"pelvis": root}
    spine = [above[0]]
    while len(children.get(spine[-1], [])) == 1:
        spine.append(children[spine[-1]][0])
    branch = children.get(spine[-1], [])
    if len(branch) != 3:
        raise AssetError(f"{path}: the spine does not branch into two arms and a neck")
    roles["chest"] = spine[0]
    neck = max(branch, key=lambda c: up[c])
    arms = [c for c in branch if c != neck]
    head_chain = _chain(children, neck)
    roles["neck"] = head_chain[0]
    roles["head"] = head_chain[-1] if len(head_chain) > 1 else head_chain[0]
    for side, leg, arm in zip(("a", "b"), below, arms, strict=True):
        lc = _chain(children, leg)
        ac = _chain(children, arm)
        if len(lc) < 3 or len(ac) < 3:
            raise AssetError(f"{path}: legs need hip, knee and ankle joints and arms shoulder, elbow "
                             "and wrist joints")
        roles[f"{side}_hip"], roles[f"{side}_knee"], roles[f"{side}_ankle"] = lc[0], lc[1], lc[2]
        if len(lc) > 3:
            roles[f"{side}_toe"] = lc[-1]
        roles[f"{side}_shoulder"], roles[f"{side}_elbow"], roles[f"{side}_wrist"] = ac[0], ac[1], ac[2]
    # Pair each arm with the leg on its side.
    legs_x = {s: joints[roles[f"{s}_hip"]] for s in "ab"}
    arms_x = {s: joints[roles[f"{s}_shoulder"]] for s in "ab"}
    lat = legs_x["a"] - legs_x["b"]
    if np.dot(arms_x["a"] - arms_x["b"], lat) < 0:
        for k in ("shoulder", "elbow", "wrist"):
            roles[f"a_{k}"], roles[f"b_{k}"] = roles[f"b_{k}"], roles[f"a_{k}"]
    # Provisional sides (fixed once the character faces +x).
    return {k.replace("a_", "left_", 1).replace("b_", "right_", 1): v for k, v in roles.items()}


def _forward(roles: dict[str, int], joints: np.ndarray) -> np.ndarray:
    """The horizontal direction the character faces: where its toes point; else glTF's front."""
    d = np.zeros(3)
    for side in ("left", "right"):
        if f"{side}_toe" in roles:
            d += joints[roles[f"{side}_toe"]] - joints[roles[f"{side}_ankle"]]
    d[2] = 0.0
    if np.linalg.norm(d) < 1e-6:
        d = np.array([0.0, -1.0, 0.0])  # glTF +Z front, after Y up -> Z up
    return d / np.linalg.norm(d)


# ----------------------------------------------------------------------------- body
def _fit_shapes(verts, bones, weights, pos, parents) -> list[list]:
    """One capsule per bone around the vertices it moves most (bone frame = world-aligned)."""
    B = len(pos)
    dominant = bones[np.arange(len(bones)), np.argmax(weights, axis=1)]
    children: dict[int, list[int]] = {}
    for b, p in enumerate(parents):
        if p >= 0:
            children.setdefault(int(p), []).append(b)
    shapes: list[list] = []
    for b in range(B):
        pts = verts[dominant == b] - pos[b]
        if len(pts) < 12:
            shapes.append([])
            continue
        kids = children.get(b, [])
        if len(kids) == 1:
            axis = pos[kids[0]] - pos[b]
        else:  # chain ends and branches: the vertices' main axis
            c = pts - pts.mean(axis=0)
            axis = np.linalg.svd(c, full_matrices=False)[2][0]
        axis = axis / max(np.linalg.norm(axis), 1e-9)
        t = pts @ axis
        centre = pts.mean(axis=0)
        centre = centre - axis * np.dot(centre, axis)  # the axis passes through the vertices' middle
        radial = np.linalg.norm(pts - centre - np.outer(t, axis), axis=1)
        r = float(max(np.percentile(radial, 75), 0.01))
        lo, hi = float(np.percentile(t, 2)) + r, float(np.percentile(t, 98)) - r
        if hi < lo:
            lo = hi = (lo + hi) / 2
        a, b_ = centre + lo * axis, centre + hi * axis
        # No lower than the vertices it stands for (a foot's capsule must not sink into the floor).
        below = min(a[2], b_[2]) - r - pts[:, 2].min()
        if below < 0:
            r = max(r + below, 0.005)
        shapes.append([capsule_between(a, b_, r)])
    return shapes


_SEGMENT_OF_ROLE = {
    "pelvis": "pelvis", "chest": "chest", "neck": "head", "head": "head",
    "hip": "right_thigh", "knee": "right_shin", "ankle": "right_foot", "toe": "right_foot",
    "shoulder": "right_upper_arm", "elbow": "right_forearm", "wrist": "right_hand",
}


def _mass_fractions(roles: dict[str, int], parents: np.ndarray, shapes: list[list]) -> np.ndarray:
    """Each bone's share of the body mass: the segment fractions of the mannequin (Dempster via
    Winter) for the body segment a bone belongs to (its own role, or its nearest ancestor's),
    split between the segment's bones by capsule volume."""
    ref = reference()
    by_bone = {b: r for r, b in roles.items()}
    B = len(parents)
    segment = []
    for b in range(B):
        a = b
        while a not in by_bone and parents[a] >= 0:
            a = int(parents[a])
        role = by_bone.get(a, "pelvis")
        key = role.split("_", 1)[1] if role.startswith(("left_", "right_")) else role
        seg = _SEGMENT_OF_ROLE[key]
        if role.startswith("left_"):
            seg = seg.replace("right_", "left_")
        segment.append(seg)
    vols = np.array([sum(sh.volume for sh in shp) or 1e-6 for shp in shapes])
    out = np.zeros(B)
    for seg in set(segment):
        members = [b for b in range(B) if segment[b] == seg]
        share = ref.masses[ref.part_names.index(seg)] / ref.mass
        out[members] = share * vols[members] / vols[members].sum()
    return out / out.sum()


def _joint_ranges(roles: dict[str, int], pos: np.ndarray, parents: np.ndarray, B: int) -> list[JointRange]:
    """The mannequin's ranges for bones with a role (their middles turned by the retargeting
    alignment), a generic cone elsewhere."""
    ref = reference()
    out = [JointRange("fixed")]
    by_bone = {b: r for r, b in roles.items()}
    for b in range(1, B):
        role = by_bone.get(b)
        if role in ref.names and role != "pelvis":
            j = ref.joints[ref.index(role)]
            if j.kind == "spherical":
                a = _alignment(role, roles, pos)
                out.append(JointRange("spherical", qmul(j.center, a), j.swing, j.twist, friction=j.friction))
            elif j.kind == "revolute":  # a hinge as a narrow cone around the middle of its range
                mid = qfrom_axis_angle(j.axis / np.linalg.norm(j.axis), (j.lower + j.upper) / 2)
                a = _alignment(role, roles, pos)
                out.append(JointRange("spherical", qmul(mid, a), (0.15, (j.upper - j.lower) / 2), 0.15,
                                      friction=j.friction))
            else:
                out.append(JointRange("spherical", IDENTITY.copy(), (0.3, 0.5), 0.3, friction=j.friction))
        else:
            out.append(JointRange("spherical", IDENTITY.copy(), (0.4, 0.4), 0.3, friction=0.005))
    return out


_REF_DIRECTIONS = {  # the clip skeleton's rest direction of each role's bone
    "pelvis": (0, 0, 1), "chest": (0, 0, 1), "neck": (0, 0, 1),
    "right_hip": (0, 0, -1), "right_knee": (0, 0, -1), "right_ankle": (1, 0, 0),
    "left_hip": (0, 0, -1), "left_knee": (0, 0, -1), "left_ankle": (1, 0, 0),
    "right_shoulder": (0, 0, -1), "right_elbow": (0, 0, -1),
    "left_shoulder": (0, 0, -1), "left_elbow": (0, 0, -1),
}


def _alignment(role: str, roles: dict[str, int], pos: np.ndarray) -> np.ndarray:
    """The rotation taking the rig bone's rest direction onto the clip skeleton's."""
    nxt = _CHAINS.get(role)
    if nxt is None or nxt not in roles or role not in _REF_DIRECTIONS:
        return IDENTITY.copy()
    d = pos[roles[nxt]] - pos[roles[role]]
    if role in ("right_ankle", "left_ankle"):
        d = d * np.array([1.0, 1.0, 0.0])  # a foot points forward, not down to the toes
    if np.linalg.norm(d) < 1e-6:
        return IDENTITY.copy()
    return qbetween(d, np.asarray(_REF_DIRECTIONS[role], dtype=np.float64))


def _points(roles, verts, bones, weights, pos) -> dict[str, tuple[int, np.ndarray]]:
    """Keypoints and attachment points of the character (bone, position in its frame)."""
    out: dict[str, tuple[int, np.ndarray]] = {}
    for r in ("right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow", "left_wrist",
              "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle", "neck", "pelvis"):
        out[r] = (roles[r], np.zeros(3))
    dominant = bones[np.arange(len(bones)), np.argmax(weights, axis=1)]
    head = roles["head"]
    hv = verts[dominant == head]
    if len(hv) < 12:
        hv = verts[verts[:, 2] > pos[roles["neck"]][2]]
    c = (hv.min(axis=0) + hv.max(axis=0)) / 2
    half = (hv.max(axis=0) - hv.min(axis=0)) / 2
    rel = lambda p: p - pos[head]  # noqa: E731
    out["head"] = (head, rel(c))
    out["nose"] = (head, rel(c + [0.8 * half[0], 0, -0.1 * half[2]]))
    for side, sgn in (("right", -1), ("left", 1)):
        out[f"{side}_eye"] = (head, rel(c + [0.6 * half[0], sgn * 0.35 * half[1], 0.15 * half[2]]))
        out[f"{side}_ear"] = (head, rel(c + [0.0, sgn * 0.8 * half[1], 0.0]))
    out["chest"] = (roles["chest"], (pos[roles["neck"]] - pos[roles["chest"]]) * 0.5)
    for side in ("right", "left"):
        ankle = roles[f"{side}_ankle"]
        fv = verts[np.isin(dominant, [ankle] + ([roles[f"{side}_toe"]] if f"{side}_toe" in roles else []))]
        if len(fv) < 12:
            fv = verts[np.linalg.norm(verts - pos[ankle], axis=1) < 0.15]
        lo, hi = fv.min(axis=0), fv.max(axis=0)
        mid_y = (lo[1] + hi[1]) / 2
        inner = 1 if side == "right" else -1  # the big toe is on the inside (towards the other foot)
        z = lo[2] + 0.35 * (hi[2] - lo[2])
        out[f"{side}_big_toe"] = (ankle, np.array([hi[0] - 0.15 * (hi[0] - lo[0]), mid_y + inner * 0.2 * (hi[1] - lo[1]), z]) - pos[ankle])
        out[f"{side}_small_toe"] = (ankle, np.array([hi[0] - 0.25 * (hi[0] - lo[0]), mid_y - inner * 0.25 * (hi[1] - lo[1]), z]) - pos[ankle])
        out[f"{side}_heel"] = (ankle, np.array([lo[0] + 0.12 * (hi[0] - lo[0]), mid_y, z]) - pos[ankle])
        out[f"{side}_foot"] = (ankle, (lo + hi) / 2 - pos[ankle])
        wrist = roles[f"{side}_wrist"]
        out[f"{side}_hand"] = (wrist, np.zeros(3))
    return out


# ----------------------------------------------------------------------------- retargeting
class _Mapper:
    """Clip poses (reference skeleton) -> this rig's poses (see the module notes)."""

    def __init__(self, rig: Rig, roles: dict[str, int], rest: np.ndarray):
        self.rig = rig
        ref = reference()
        self.ref_parents = [ref.parents[ref.index(j)] for j in JOINTS]
        self.ref_index = {j: ref.index(j) for j in JOINTS}
        self.ref_names = ref.names
        self.role_of = {b: r for r, b in roles.items()}
        self.align = {b: _alignment(r, roles, rest) for r, b in roles.items()}

    def __call__(self, pos: np.ndarray, quat: np.ndarray, rots: np.ndarray):
        lead = rots.shape[:-2]
        # World rotations of the clip skeleton's bones.
        ref_world = {"pelvis": quat}
        for k, j in enumerate(JOINTS):
            parent = self.ref_names[self.ref_parents[k]]
            ref_world[j] = qmul(ref_world[parent], rots[..., k, :])
        ref_world["right_wrist"] = ref_world["right_elbow"]
        ref_world["left_wrist"] = ref_world["left_elbow"]
        ref_world["head"] = ref_world["neck"]
        rig = self.rig
        B = rig.num_bones
        world = np.empty(lead + (B, 4))
        local = np.empty(lead + (B, 4))
        for b in range(B):
            role = self.role_of.get(b)
            p = rig.parents[b]
            if role in ref_world and role not in ("head",):
                world[..., b, :] = qmul(ref_world[role], self.align[b])
            else:
                world[..., b, :] = quat if p < 0 else world[..., p, :]
            local[..., b, :] = IDENTITY if p < 0 else qmul(qconj(world[..., p, :]), world[..., b, :])
        return pos, world[..., 0, :], local
