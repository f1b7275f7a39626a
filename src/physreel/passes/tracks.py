"""``tracks``: TAP-Vid point tracks of surface points sampled once on every body."""

from __future__ import annotations

import numpy as np

from .registry import Doc, ManifestInfo, Needs, Pass, register_pass
from .storage import Npz

NPZ = Npz("tracks.npz")


def setup(clip):
    """A :class:`~physreel.rendering.tracks.TrackAccumulator` over ``scene.render.tracks``
    surface points, an equal share per body, sampled from the assembly's stream ``"tracks"``
    (the same points for every camera and every run), and the points on skinned people
    (rows, person's column, :class:`~physreel.rendering.people.SkinPoints`), which follow the
    mesh frame by frame."""
    from ..rendering.people import SkinPoints, skin_tracks
    from ..rendering.tracks import TrackAccumulator, sample_surface_points

    traj = clip.trajectory
    names = traj.names
    meshes = [clip.mesh(name) if clip.geometries[name].visual else None for name in names]
    rng = clip.assembly.rng("tracks")
    skins = skin_tracks(clip.assembly, traj)  # drawn as their skin: points on the skin, moving with it
    drawn = sum(m is not None for m in meshes) + len(skins)  # their physics parts draw nothing
    share = max(8, clip.scene.render.tracks // max(drawn, 1))
    counts = [share if m is not None else 0 for m in meshes]
    points, point_object = sample_surface_points(meshes, counts, rng)
    moving = []
    for name, track in skins.items():
        sp = SkinPoints(track, share, rng)
        rows = np.arange(len(points), len(points) + share)
        points = np.concatenate([points, sp.world(0)])
        point_object = np.concatenate([point_object, np.full(share, names.index(name))])
        moving.append((rows, names.index(name), sp))
    return TrackAccumulator(points, point_object, clip.num_frames, clip.width, clip.height), moving


def compute(frame, state) -> dict:
    """This frame's ``tracks_2d`` (N, 2), ``occluded`` (N,) and ``point_object`` (N,) of every
    sampled point (the clip's TAP-Vid arrays, which keep only points seen at least once, come
    at the end)."""
    acc, moving = state
    f = frame.index
    for rows, column, sp in moving:  # skinned people: their points move with the mesh
        pose = frame.poses[1 + column]
        acc.move_points(rows, (sp.world(f) - pose[:3, 3]) @ pose[:3, :3])
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
    finish=lambda state: state[0].result(),
    storage=(NPZ,),
    preview=preview,
    manifest=manifest,
    doc=Doc("TAP-Vid point tracks of surface points, 2D and 3D, with occlusion (.npz)",
            files="`tracks.npz`, `tracks.mp4`",
            convention="TAP-Vid: `tracks_2d` (N, T, 2) px [x, y], `occluded` (N, T) bool (True = "
                       "hidden), `query_points` (N, 3) [t, y, x], `tracks_3d` (N, T, 3) camera metres, "
                       "`point_object` (N,)"),
))
