"""``boxes``: per frame and object, the 2D box of its visible pixels, the visible fraction and
its oriented 3D box."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .registry import Doc, ManifestInfo, Needs, Pass, register_pass
from .storage import Json

JSON = Json("boxes.json")


def boxes_geometry(clip) -> dict:
    """Per body: (hull points (M <= 256, 3), box centre (3,), box size (3,)) in the object frame."""
    out = {}
    for name in clip.trajectory.names:
        if not clip.geometries[name].visual:  # nothing drawn (a skinned person's physics part)
            continue
        m = clip.mesh(name)
        try:
            hull = m.convex_hull.vertices
        except Exception:  # noqa: BLE001 - degenerate meshes: use all vertices
            hull = m.vertices
        if len(hull) > 256:
            hull = hull[np.linspace(0, len(hull) - 1, 256).astype(int)]
        lo, hi = clip.geometries[name].bounds
        out[name] = (np.asarray(hull), (lo + hi) / 2.0, hi - lo)
    return out


def compute(frame, geometry: dict) -> list[dict]:
    traj = frame.clip.trajectory
    return frame_boxes(frame["segmentation"], frame.view, frame.poses[1:], frame.present[1:],
                       traj.names, geometry, skip=set(traj.parts))


def frame_boxes(seg: np.ndarray, view, poses: np.ndarray, present: np.ndarray, names, geometry: dict,
                skip: set[str] = frozenset()) -> list[dict]:
    """Per object at one frame: 2D box of its visible pixels, visible fraction, 3D box.

    ``bbox`` is ``[x0, y0, x1, y1]`` in pixel edges (x1, y1 exclusive), or None when no pixel is
    visible; ``visible_fraction`` = visible pixels / area of the object's projected silhouette
    (the convex hull of its projected mesh, clipped to the image), so 1 = fully visible and 0 =
    hidden or out of view; the 3D box is the object's own bounding box, oriented with it.
    Bodies in ``skip`` get no entry (a person's parts: the person's box has their pixels).
    """
    from scipy import ndimage

    from ..transforms import matrix_to_quat

    h, w = seg.shape
    n = len(names)
    counts = np.bincount(seg.ravel(), minlength=n + 2)
    slices = ndimage.find_objects(seg.astype(np.int32), max_label=n + 1)
    out = []
    for i, name in enumerate(names):
        if name in skip:  # a person's body part: in the person's box
            continue
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


def _projected_area(hull_local: np.ndarray, pose: np.ndarray, view, w: int, h: int) -> float:
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


def draw_boxes(img: np.ndarray, boxes: list[dict]) -> np.ndarray:
    """``img`` (H, W, 3) uint8 with every visible box outlined in its segmentation colour."""
    from ..outputs.visualize import colorize_segmentation

    out = img.copy()
    for b in boxes:
        if b.get("bbox") is None:
            continue
        x0, y0, x1, y1 = b["bbox"]
        c = colorize_segmentation(np.array([[b["id"]]], dtype=np.uint16))[0, 0]
        out[y0:y1, [x0, x1 - 1]] = c
        out[[y0, y1 - 1], x0:x1] = c
    return out


def preview(files):
    """The boxes drawn on the RGB video (no preview without it)."""
    video = Path(files.folder) / "rgb.mp4"
    if not video.exists():
        return None
    import imageio.v3 as iio

    boxes = files.read("boxes")
    return (draw_boxes(np.array(fr), bx) for fr, bx in zip(iio.imiter(video), boxes, strict=False))


def manifest(m: ManifestInfo) -> dict:
    return {"file": JSON.pattern, "layout": "list over frames of lists over objects",
            "fields": {"bbox": "[x0, y0, x1, y1] pixel edges of the visible pixels (x1, y1 exclusive), null if none",
                       "visible_pixels": "count",
                       "visible_fraction": "visible pixels / area of the projected convex hull clipped to the image (0..1)",
                       "box3d": "oriented 3D box: center (world, m), size (object frame, m), quaternion [x, y, z, w]"}}


register_pass(Pass(
    name="boxes",
    compute=compute,
    needs=Needs(render=("gt",), passes=("segmentation",)),
    setup=boxes_geometry,
    storage=(JSON,),
    preview=preview,
    manifest=manifest,
    doc=Doc("2D boxes of the visible pixels, visible fraction and oriented 3D boxes (.json)",
            files="`boxes.json`, `boxes.mp4`",
            convention="per frame per object: `bbox` [x0, y0, x1, y1] of visible pixels, "
                       "`visible_pixels`, `visible_fraction`, `box3d` {center, size, quaternion}"),
))
