"""pybullet collision shapes made of several convex parts: compound objects, hollow shapes and
convex decompositions.

pybullet's ``createCollisionShapeArray`` keeps at most 16 children and silently drops the rest
(measured: a 32-segment tube lost half its wall).  An OBJ file with one object (``o``) per
convex part, loaded with ``createCollisionShape(GEOM_MESH)``, becomes a compound of that many
hulls with no such limit.  So every hull part goes into one such file (written once, named by
its content hash, in the cache), and native boxes, spheres, cylinders and capsules join it in a
shape array (hulls beyond the 15 native children are written as hulls too).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import trimesh

MAX_ARRAY_CHILDREN = 16
"""pybullet's limit on the children of ``createCollisionShapeArray``."""


def hulls_file(meshes: list[trimesh.Trimesh]) -> Path:
    """An OBJ file with one object per convex mesh, in the cache, named by its content hash."""
    from ..assets.collision import default_cache_dir

    h = hashlib.sha256()
    for m in meshes:
        h.update(np.ascontiguousarray(m.vertices, dtype=np.float64).tobytes())
        h.update(np.ascontiguousarray(m.faces, dtype=np.int64).tobytes())
    folder = default_cache_dir() / "parts"
    path = folder / f"{h.hexdigest()[:24]}.obj"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        lines, offset = [], 1
        for i, m in enumerate(meshes):
            lines.append(f"o part{i}")
            lines += [f"v {x!r} {y!r} {z!r}" for x, y, z in np.asarray(m.vertices, dtype=np.float64).tolist()]
            lines += [f"f {a + offset} {b + offset} {c + offset}" for a, b, c in np.asarray(m.faces).tolist()]
            offset += len(m.vertices)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text("\n".join(lines) + "\n")
        os.replace(tmp, path)
    return path


def hulls_shape(world, meshes: list[trimesh.Trimesh]) -> int:
    """One collision shape of several convex meshes (object frame); returns its id."""
    return world.p.createCollisionShape(world.p.GEOM_MESH, fileName=str(hulls_file(meshes)),
                                        physicsClientId=world.client)


def compound_shape(world, geom) -> int:
    """Create the collision shape of a compound ``geom`` (``params["collision"]``); its id."""
    from ..assets.compound import entry_mesh

    p, c = world.p, world.client
    native = [e for e in geom.params["collision"] if e["type"] != "mesh"]
    hulls = [e for e in geom.params["collision"] if e["type"] == "mesh"]
    room = MAX_ARRAY_CHILDREN - (1 if hulls else 0)
    if len(native) > room:  # keep the array within pybullet's limit
        room = MAX_ARRAY_CHILDREN - 1
        hulls += native[room:]
        native = native[:room]
    kinds, radii, halves, lengths, files, pos, orn = [], [], [], [], [], [], []
    if hulls:
        kinds.append(p.GEOM_MESH)
        files.append(str(hulls_file([entry_mesh(e) for e in hulls])))
        radii.append(0.0), halves.append([0.0, 0.0, 0.0]), lengths.append(0.0)
        pos.append([0.0, 0.0, 0.0]), orn.append([0.0, 0.0, 0.0, 1.0])
    for e in native:
        t = e["type"]
        radius, half, length = 0.0, [0.0, 0.0, 0.0], 0.0
        if t == "box":
            kinds.append(p.GEOM_BOX)
            half = [float(v) for v in e["half_extents"]]
        elif t == "sphere":
            kinds.append(p.GEOM_SPHERE)
            radius = float(e["radius"])
        elif t == "cylinder":
            kinds.append(p.GEOM_CYLINDER)
            radius, length = float(e["radius"]), float(e["height"])
        else:  # capsule: pybullet's length is between the two hemisphere centres
            kinds.append(p.GEOM_CAPSULE)
            radius, length = float(e["radius"]), float(e["height"]) - 2 * float(e["radius"])
        radii.append(radius), halves.append(half), lengths.append(length), files.append("")
        pos.append(np.asarray(e["position"], dtype=np.float64).tolist())
        orn.append(np.asarray(e["quaternion"], dtype=np.float64).tolist())
    n = len(kinds)
    return p.createCollisionShapeArray(
        kinds, radii=radii, halfExtents=halves, lengths=lengths, fileNames=files, meshScales=[[1, 1, 1]] * n,
        collisionFramePositions=pos, collisionFrameOrientations=orn, physicsClientId=c,
    )

