"""All render passes of one camera as a stream of frame bundles.

Pass names (exact, used by the CLI, the manifest and the API):
``rgb``, ``depth``, ``segmentation``, ``normals``, ``flow_forward``, ``flow_backward``,
``occlusion_forward``, ``occlusion_backward``, ``tracks``, ``boxes``.

Depth, segmentation and normals come from one exact float32 pass without anti-aliasing
(:meth:`SceneRenderer.render_gt`).  Flow needs the next (forward) and previous (backward)
frame, so the stream renders one frame ahead: at most three frames are held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..physics.trajectory import Trajectory
from ..transforms import matrix_to_quat
from .camera import CameraFrame
from .flow import compute_flow
from .renderer import SceneRenderer
from .stream import FrameBundle

PASS_NAMES = (
    "rgb", "depth", "segmentation", "normals", "flow_forward", "flow_backward",
    "occlusion_forward", "occlusion_backward", "tracks", "boxes",
)
GT_PASSES = frozenset(PASS_NAMES) - {"rgb"}
FORWARD = frozenset({"flow_forward", "occlusion_forward"})
BACKWARD = frozenset({"flow_backward", "occlusion_backward"})


@dataclass
class _Frame:
    index: int
    view: CameraFrame
    poses: np.ndarray  # (1 + N, 4, 4): ground (identity) then the objects
    present: np.ndarray  # (1 + N,) bool
    rgb: np.ndarray | None
    gt: dict | None


def check_passes(passes: Sequence[str]) -> list[str]:
    """Validate pass names; returns them de-duplicated in canonical order."""
    from ..errors import ArgumentError

    bad = [p for p in passes if p not in PASS_NAMES]
    if bad:
        import difflib

        hints = [f"{b!r}" + (f" (did you mean {difflib.get_close_matches(b, PASS_NAMES, 1)[0]!r}?)"
                 if difflib.get_close_matches(b, PASS_NAMES, 1) else "") for b in bad]
        raise ArgumentError(f"unknown pass {', '.join(hints)}; passes are: {', '.join(PASS_NAMES)}")
    return [p for p in PASS_NAMES if p in set(passes)]


def object_poses(trajectory: Trajectory, frame: int) -> np.ndarray:
    """(N, 4, 4) object-to-world poses at ``frame`` (NaN-free: absent objects keep a pose)."""
    n = len(trajectory.names)
    out = np.empty((n, 4, 4))
    for i in range(n):
        out[i] = trajectory.pose_matrix(frame, i)
    return out


def _merged(geom):
    """One trimesh of a body's render meshes."""
    import trimesh

    return geom.visual[0] if len(geom.visual) == 1 else trimesh.util.concatenate(geom.visual)


def track_accumulator(assembly, trajectory: Trajectory, geometries: dict, width: int, height: int):
    """A :class:`TrackAccumulator` over ``scene.render.tracks`` surface points, an equal share
    per body, sampled from the assembly's stream ``"tracks"`` (the same points for every camera
    and every run)."""
    from .tracks import TrackAccumulator, sample_surface_points

    meshes = [_merged(geometries[name]) for name in trajectory.names]
    rng = assembly.rng("tracks")
    counts = [max(8, assembly.scene.render.tracks // max(len(meshes), 1))] * len(meshes)
    points, point_object = sample_surface_points(meshes, counts, rng)
    return TrackAccumulator(points, point_object, trajectory.num_frames, width, height)


def boxes_geometry(trajectory: Trajectory, geometries: dict) -> dict:
    """Per body: (hull points (M <= 256, 3), box centre (3,), box size (3,)) in the object
    frame, for the ``boxes`` pass."""
    out = {}
    for name in trajectory.names:
        m = _merged(geometries[name])
        try:
            hull = m.convex_hull.vertices
        except Exception:  # noqa: BLE001 - degenerate meshes: use all vertices
            hull = m.vertices
        if len(hull) > 256:
            hull = hull[np.linspace(0, len(hull) - 1, 256).astype(int)]
        lo, hi = geometries[name].bounds
        out[name] = (np.asarray(hull), (lo + hi) / 2.0, hi - lo)
    return out


def render_passes(
    renderer: SceneRenderer,
    trajectory: Trajectory,
    views: Sequence[CameraFrame],
    camera: str,
    passes: Sequence[str],
    *,
    tracks=None,
    boxes_geometry: dict | None = None,
) -> Iterator[FrameBundle]:
    """Yield one :class:`FrameBundle` per frame with every requested pass.

    Parameters
    ----------
    renderer : an open SceneRenderer (objects in ``trajectory.names`` order)
    trajectory : the simulation
    views : per-frame camera
    camera : camera name (for the bundles)
    passes : pass names (see module docstring)
    tracks : a TrackAccumulator to update (pass ``tracks``); its per-frame state is in the bundle
    boxes_geometry : per object name, (hull_points (M, 3), box_center (3,), box_size (3,)) in
        the object frame (pass ``boxes``)
    """
    passes = check_passes(passes)
    want = set(passes)
    need_gt = bool(want & GT_PASSES)
    n_frames = trajectory.num_frames
    n_obj = len(trajectory.names)

    def render(f: int) -> _Frame:
        obj = object_poses(trajectory, f) if n_obj else np.zeros((0, 4, 4))
        renderer.set_poses(obj, trajectory.present[f])
        view = views[f]
        rgb = renderer.render_rgb(view)[0] if "rgb" in want else None
        gt = renderer.render_gt(view) if need_gt else None
        poses = np.concatenate([np.eye(4)[None], obj], axis=0)
        present = np.concatenate([[True], trajectory.present[f]])
        return _Frame(f, view, poses, present, rgb, gt)

    prev: _Frame | None = None
    cur = render(0)
    for f in range(n_frames):
        nxt = render(f + 1) if f + 1 < n_frames else None
        bundle = FrameBundle(frame=f, time=f / trajectory.fps, camera=camera, view=cur.view)
        if cur.rgb is not None:
            bundle.passes["rgb"] = cur.rgb
        if cur.gt is not None:
            for k in ("depth", "segmentation", "normals"):
                if k in want:
                    bundle.passes[k] = cur.gt[k]
        if want & FORWARD:
            _flow(bundle, cur, nxt, "forward", want)
        if want & BACKWARD:
            _flow(bundle, cur, prev, "backward", want)
        if "tracks" in want and tracks is not None:
            tracks.update(f, cur.view, cur.poses[1:], cur.gt["depth"], cur.present[1:])
            bundle.passes["tracks"] = {
                "tracks_2d": tracks._xy[:, f].copy(),
                "occluded": tracks._occluded[:, f].copy(),
                "point_object": tracks.point_object,
            }
        if "boxes" in want:
            bundle.passes["boxes"] = frame_boxes(cur.gt["segmentation"], cur.view, cur.poses[1:], cur.present[1:],
                                                 trajectory, boxes_geometry or {})
        yield bundle
        prev, cur = cur, nxt


def _flow(bundle: FrameBundle, cur: _Frame, other: _Frame | None, direction: str, want: set) -> None:
    h, w = cur.gt["depth"].shape
    if other is None:
        # No frame after the last (before the first): flow undefined, everything occluded.
        flow = np.zeros((h, w, 2), dtype=np.float32)
        occ = np.ones((h, w), dtype=bool)
    else:
        res = compute_flow(cur.gt["depth"], cur.gt["segmentation"], cur.view, other.view,
                           cur.poses, other.poses, other.gt["depth"], other.present)
        flow, occ = res.flow, res.occluded
    if f"flow_{direction}" in want:
        bundle.passes[f"flow_{direction}"] = flow
    if f"occlusion_{direction}" in want:
        bundle.passes[f"occlusion_{direction}"] = occ


def frame_boxes(seg: np.ndarray, view: CameraFrame, poses: np.ndarray, present: np.ndarray,
                trajectory: Trajectory, geometry: dict) -> list[dict]:
    """Per object at one frame: 2D box of its visible pixels, visible fraction, 3D box.

    ``bbox`` is ``[x0, y0, x1, y1]`` in pixel edges (x1, y1 exclusive), or None when no pixel is
    visible; ``visible_fraction`` = visible pixels / area of the object's projected silhouette
    (the convex hull of its projected mesh, clipped to the image), so 1 = fully visible and 0 =
    hidden or out of view; the 3D box is the object's own bounding box, oriented with it.
    """
    from scipy import ndimage

    h, w = seg.shape
    n = len(trajectory.names)
    counts = np.bincount(seg.ravel(), minlength=n + 2)
    slices = ndimage.find_objects(seg.astype(np.int32), max_label=n + 1)
    out = []
    for i, name in enumerate(trajectory.names):
        oid = i + 2
        pix = int(counts[oid]) if oid < len(counts) else 0
        sl = slices[oid - 1] if oid - 1 < len(slices) else None
        bbox = [int(sl[1].start), int(sl[0].start), int(sl[1].stop), int(sl[0].stop)] if (pix and sl is not None) else None
        entry = {"object": name, "id": oid, "present": bool(present[i]), "bbox": bbox, "visible_pixels": pix}
        g = geometry.get(name)
        if g is not None:
            hull, centre, size = g
            pose = poses[i]
            entry["box3d"] = {"center": (pose[:3, :3] @ centre + pose[:3, 3]).round(6).tolist(),
                              "size": np.round(size, 6).tolist(),
                              "quaternion": np.round(matrix_to_quat(pose[:3, :3]), 8).tolist()}
            area = _projected_area(hull, pose, view, w, h) if present[i] else 0.0
            entry["visible_fraction"] = round(min(1.0, pix / area), 6) if area > 0 else 0.0
        out.append(entry)
    return out


def _projected_area(hull_local: np.ndarray, pose: np.ndarray, view: CameraFrame, w: int, h: int) -> float:
    """Area in pixels of the convex hull of the projected points, clipped to the image."""
    from scipy.spatial import ConvexHull
    from shapely.geometry import Polygon, box

    pts = hull_local @ pose[:3, :3].T + pose[:3, 3]
    uv, z = view.project(pts)
    if np.any(z <= 1e-6):
        uv = uv[z > 1e-6]
        if len(uv) < 3:
            return 0.0
    try:
        hull = ConvexHull(uv)
    except Exception:  # noqa: BLE001 - degenerate (a line): no area
        return 0.0
    poly = Polygon(uv[hull.vertices])
    return float(poly.intersection(box(0, 0, w, h)).area)
