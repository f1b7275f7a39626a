"""metadata.json: everything about a render except its pixels."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import numpy as np

from ..assembly import Assembly
from ..assembly.materials import SEGMENTATION_IDS_DOC
from ..physics.trajectory import Trajectory
from ..rendering.camera import CameraFrame
from .people import people_metadata

FORMAT_VERSION = 1

CONVENTIONS = {
    "units": "metres, kilograms, seconds; angles in radians unless a key says _deg",
    "world_frame": "right-handed, Z up; gravity along -Z by default",
    "quaternion": "[x, y, z, w] (pybullet / scipy order)",
    "time": "frame i shows the world at t = i / fps; frame 0 is the initial state",
    "object_pose": "position is the object frame's origin (centre of the bounding box for primitives, "
                   "as set by shape.origin for meshes); quaternion its orientation",
    "velocity": "linear velocity of the centre of mass, world frame, m/s; angular_velocity world frame, rad/s",
    "camera": "OpenCV: x right, y down, z forward; world_to_camera maps world points to camera points",
    "intrinsics": "K in pixels, square pixels; pixel (u, v) covers [u, u+1) x [v, v+1), its centre is "
                  "(u + 0.5, v + 0.5), so cx = W/2, cy = H/2 and a point projects to u = fx x/z + cx",
    "segmentation_ids": SEGMENTATION_IDS_DOC,
    "contact_rule": "a contact's friction and restitution are the product of the two bodies' values (Bullet)",
}


def software_versions() -> dict[str, str]:
    """Versions of the software that made a render."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("physreel", "numpy", "pybullet", "pyrender2", "trimesh", "PyOpenGL", "imageio-ffmpeg", "pydantic"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "unknown"
    return out


def _r(a: np.ndarray, nd: int = 7) -> np.ndarray:
    """Rounded floats (compact, byte-stable metadata).  Arrays stay numpy until they are
    written: :func:`write_json` converts them one at a time while streaming."""
    return np.round(np.asarray(a, dtype=np.float64), nd)


def build_metadata(assembly: Assembly, trajectory: Trajectory, cameras: dict[str, list[CameraFrame]],
                   files: dict[str, list[str]]) -> dict[str, Any]:
    """The metadata dict of one render (see the README's output section)."""
    scene = assembly.scene
    objects = {}
    ids = trajectory.segmentation_ids
    for i, name in enumerate(trajectory.names):
        built = assembly[trajectory.root_of(name)]
        spec, mat = built.spec, built.material
        objects[name] = {
            "id": int(ids[i]),
            "index": i,
            "mass": round(float(trajectory.masses.get(name, 0.0)), 9),
            "static": spec.static,
            "parent": trajectory.parents.get(name),
            "part_of": trajectory.parts.get(name),
            "material": spec.material,
            "material_preset": built.material_preset,
            "class": built.class_name,
            "shape": spec.shape.model_dump(mode="json") if name == spec.name else {"type": "piece", "of": spec.name},
            "color": list(mat.color),
            "friction": mat.friction,
            "restitution": mat.restitution,
            "present": trajectory.present[:, i],
            "position": _r(trajectory.position[:, i]),
            "quaternion": _r(trajectory.quaternion[:, i]),
            "velocity": _r(trajectory.velocity[:, i]),
            "angular_velocity": _r(trajectory.angular_velocity[:, i]),
        }
    cams = {}
    for name, views in cameras.items():
        v0 = views[0]
        cams[name] = {
            "width": v0.width,
            "height": v0.height,
            "K": _r(np.stack([v.K for v in views]), 6),
            "world_to_camera": _r(np.stack([v.world_to_camera for v in views]), 9),
            "yfov": _r(np.array([v.yfov for v in views]), 9),
            "files": files.get(name, []),
        }
    return {
        "format_version": FORMAT_VERSION,
        "name": scene.name,
        "seed": scene.seed,
        "fps": scene.fps,
        "num_frames": trajectory.num_frames,
        "duration": scene.duration,
        "resolution": list(scene.resolution),
        "physics": {
            "rate": scene.physics.rate,
            "steps_per_frame": scene.physics.rate // scene.fps,
            "solver_iterations": scene.physics.solver_iterations,
            "contact_erp": scene.physics.contact_erp,
            "gravity": list(scene.gravity),
            **trajectory.physics,  # the stepping actually used (automatic sub-steps, iterations)
        },
        "conventions": CONVENTIONS,
        "segmentation_ids": {"0": "background", "1": "ground",
                             **{str(int(k)): n for k, n in zip(ids, trajectory.names, strict=True)
                                if n not in trajectory.parts}},
        "objects": objects,
        "people": people_metadata(assembly, trajectory),
        "events": trajectory.events,
        "cameras": cams,
        "scene": scene.model_dump(mode="json"),
        "software": software_versions(),
    }


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, np.ndarray):
            return o.tolist()
        if isinstance(o, np.generic):
            return o.item()
        return super().default(o)


def write_json(path: Path, data: Any) -> None:
    """Write JSON deterministically, streamed: numpy arrays are turned into lists one at a time
    as the encoder reaches them, so a long clip's per-frame poses never exist twice in memory."""
    with open(path, "w", encoding="utf-8") as f:
        for chunk in _Encoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).iterencode(data):
            f.write(chunk)
        f.write("\n")
