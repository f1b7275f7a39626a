"""``tracks``: TAP-Vid point tracks of surface points sampled once on every body."""

from __future__ import annotations

from .registry import Doc, ManifestInfo, Needs, Pass, register_pass
from .storage import Npz

NPZ = Npz("tracks.npz")


def setup(clip):
    """A :class:`~physreel.rendering.tracks.TrackAccumulator` over ``scene.render.tracks``
    surface points, an equal share per body, sampled from the assembly's stream ``"tracks"``
    (the same points for every camera and every run)."""
    from ..rendering.tracks import TrackAccumulator, sample_surface_points

    names = clip.trajectory.names
    meshes = [clip.mesh(name) for name in names]
    rng = clip.assembly.rng("tracks")
    counts = [max(8, clip.scene.render.tracks // max(len(meshes), 1))] * len(meshes)
    points, point_object = sample_surface_points(meshes, counts, rng)
    return TrackAccumulator(points, point_object, clip.num_frames, clip.width, clip.height)


def compute(frame, acc) -> dict:
    """This frame's ``tracks_2d`` (N, 2), ``occluded`` (N,) and ``point_object`` (N,) of every
    sampled point (the clip's TAP-Vid arrays, which keep only points seen at least once, come
    at the end)."""
    f = frame.index
    acc.update(f, frame.view, frame.poses[1:], frame["depth"], frame.present[1:])
    return {"tracks_2d": acc._xy[:, f].copy(), "occluded": acc._occluded[:, f].copy(),
            "point_object": acc.point_object}


def preview(files):
    from .controls.tracks import tracking_video

    return tracking_video(files.values["tracks"], files.clip.width, files.clip.height)


def manifest(m: ManifestInfo) -> dict | None:
    if m.value is None:
        return None
    return {"file": NPZ.pattern, "layout": "TAP-Vid", "points": int(m.value["tracks_2d"].shape[0]),
            "arrays": {"tracks_2d": "(N, T, 2) float32 pixels [x, y] (x right, y down; pixel centres at +0.5)",
                       "occluded": "(N, T) bool, True = hidden (behind a surface, off-screen or not present)",
                       "query_points": "(N, 3) float32 [t, y, x] at the first visible frame",
                       "tracks_3d": "(N, T, 3) float32 metres, OpenCV camera frame",
                       "point_object": "(N,) int object index (metadata 'objects' order)",
                       "point_index": "(N,) int index among the sampled points"},
            "preview": "tracks.mp4 (points coloured by their frame-0 x, y and inverse depth)"}


register_pass(Pass(
    name="tracks",
    compute=compute,
    needs=Needs(render=("gt",), passes=("depth",)),
    setup=setup,
    finish=lambda acc: acc.result(),
    storage=(NPZ,),
    preview=preview,
    manifest=manifest,
    doc=Doc("TAP-Vid point tracks of surface points, 2D and 3D, with occlusion (.npz)",
            files="`tracks.npz`, `tracks.mp4`",
            convention="TAP-Vid: `tracks_2d` (N, T, 2) px [x, y], `occluded` (N, T) bool (True = "
                       "hidden), `query_points` (N, 3) [t, y, x], `tracks_3d` (N, T, 3) camera metres, "
                       "`point_object` (N,)"),
))
