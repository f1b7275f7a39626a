"""What the output records about people: rig, bone poses and 3D keypoints per frame."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..assembly import Assembly
from ..assets.keypoints import body25_names, coco18_names, keypoints_3d
from ..physics.trajectory import Trajectory


def person_keypoints(assembly: Assembly, trajectory: Trajectory, name: str) -> dict[str, np.ndarray]:
    """COCO-18 and BODY-25 keypoints of one person at every frame.

    Returns
    -------
    dict with ``coco18_3d`` (T, 18, 3) and ``body25_3d`` (T, 25, 3), float64 world metres
    """
    rig = assembly[name].extra["rig"]
    pos, quat = trajectory.skeletons[name]
    return {"coco18_3d": keypoints_3d(rig, pos, quat, coco18_names()),
            "body25_3d": keypoints_3d(rig, pos, quat, body25_names())}


def people_metadata(assembly: Assembly, trajectory: Trajectory) -> dict[str, Any]:
    """The ``people`` entry of ``metadata.json``: per person its rig (bone names and parents,
    skin file), world bone poses and 3D keypoints at every frame (metres, ``[x, y, z, w]``)."""
    out = {}
    for name, (pos, quat) in trajectory.skeletons.items():
        built = assembly[name]
        rig = built.extra["rig"]
        kp = person_keypoints(assembly, trajectory, name)
        out[name] = {
            "height": rig.height,
            "skin": built.spec.shape.skin,
            "parts": [name if b == 0 else f"{name}.{p}" for b, p in enumerate(rig.part_names)],
            "bones": list(rig.names),
            "bone_parents": [int(p) for p in rig.parents],
            "bone_positions": np.round(pos, 5),
            "bone_quaternions": np.round(quat, 6),
            "coco18_names": coco18_names(),
            "coco18_3d": np.round(kp["coco18_3d"], 5),
            "body25_names": body25_names(),
            "body25_3d": np.round(kp["body25_3d"], 5),
        }
    return out
