"""Writing every pass of one camera: streamed during rendering, previews and controls after.

Files of a camera folder (all documented in its ``manifest.json``):

- ``rgb.mp4`` (and ``rgb/NNNNN.png`` on request), ``first_frame.png``
- ``depth.npy`` (T, H, W) float32 metres + ``depth_mm/NNNNN.png`` uint16 millimetres
- ``segmentation.npy`` (T, H, W) uint16 + ``segmentation/NNNNN.png`` uint16
- ``normals.npy`` (T, H, W, 3) float32
- ``flow_forward.npy`` / ``flow_backward.npy`` (T, H, W, 2) float32 (+ ``.flo`` on request)
- ``occlusion_forward.npy`` / ``occlusion_backward.npy`` (T, H, W) bool
- ``tracks.npz`` (TAP-Vid layout), ``boxes.json``
- ``<pass>.mp4`` previews, ``control/<kind>.mp4`` + ``control/<kind>/NNNNN.png``
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..rendering.stream import FrameBundle
from .npystream import NpyStreamWriter
from .video import Mp4Writer

CONTROL_KINDS = ("depth", "normal", "edges", "canny", "seg", "tracks")
CONTROL_NEEDS = {"depth": {"depth"}, "normal": {"normals"}, "edges": {"depth", "segmentation", "normals"},
                 "canny": {"rgb"}, "seg": {"segmentation"}, "tracks": {"tracks", "depth"}}


def passes_for_controls(passes: list[str], controls: list[str]) -> list[str]:
    """The passes needed to write ``controls`` in addition to ``passes``."""
    need = set(passes)
    for c in controls:
        need |= CONTROL_NEEDS[c]
    return sorted(need)


class CameraWriter:
    """Consumes the frame bundles of one camera and writes its folder."""

    def __init__(self, folder: Path, *, num_frames: int, width: int, height: int, fps: int, passes: list[str],
                 controls: list[str], frames_png: bool, flo: bool, crf: int, class_labels: list[str]):
        self.dir = Path(folder)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.T, self.W, self.H, self.fps = num_frames, width, height, fps
        self.passes, self.controls = set(passes), list(controls)
        self.frames_png, self.flo, self.crf = frames_png, flo, crf
        self.class_labels = class_labels  # semantic class of each segmentation id (index = id)
        self.files: dict[str, dict] = {}
        self._npy: dict[str, NpyStreamWriter] = {}
        self._mp4: dict[str, Mp4Writer] = {}
        self.boxes: list = []
        self.Ks: list[np.ndarray] = []
        T, H, W = num_frames, height, width
        if "rgb" in self.passes:
            self._mp4["rgb"] = Mp4Writer(self.dir / "rgb.mp4", fps, crf=crf)
            if frames_png:
                (self.dir / "rgb").mkdir()
        specs = {"depth": ((H, W), np.float32), "segmentation": ((H, W), np.uint16), "normals": ((H, W, 3), np.float32),
                 "flow_forward": ((H, W, 2), np.float32), "flow_backward": ((H, W, 2), np.float32),
                 "occlusion_forward": ((H, W), np.bool_), "occlusion_backward": ((H, W), np.bool_)}
        for name, (shape, dtype) in specs.items():
            if name in self.passes:
                self._npy[name] = NpyStreamWriter(self.dir / f"{name}.npy", T, shape, dtype)
        if "depth" in self.passes:
            (self.dir / "depth_mm").mkdir()
        if "segmentation" in self.passes:
            (self.dir / "segmentation").mkdir()
        if flo:
            for d in ("forward", "backward"):
                if f"flow_{d}" in self.passes:
                    (self.dir / f"flow_{d}").mkdir()
        if "canny" in self.controls:
            (self.dir / "control" / "canny").mkdir(parents=True)
            self._mp4["control_canny"] = Mp4Writer(self.dir / "control" / "canny.mp4", fps, crf=crf)

    # ---------------------------------------------------------------- streaming
    def write(self, b: FrameBundle) -> None:
        from .formats import depth_to_mm_uint16, write_flo, write_png16

        f = b.frame
        self.Ks.append(np.asarray(b.view.K))
        if "rgb" in b:
            self._mp4["rgb"].write(b["rgb"])
            if self.frames_png:
                _png(self.dir / "rgb" / f"{f:05d}.png", b["rgb"])
            if f == 0:
                _png(self.dir / "first_frame.png", b["rgb"])
            if "canny" in self.controls:
                from .control import canny

                edges = canny(b["rgb"])
                _png(self.dir / "control" / "canny" / f"{f:05d}.png", edges)
                self._mp4["control_canny"].write(np.repeat(edges[..., None], 3, axis=2))
        for name, w in self._npy.items():
            w.write(b[name])
        if "depth" in self.passes:
            write_png16(self.dir / "depth_mm" / f"{f:05d}.png", depth_to_mm_uint16(b["depth"]))
        if "segmentation" in self.passes:
            write_png16(self.dir / "segmentation" / f"{f:05d}.png", b["segmentation"])
        if self.flo:
            for d in ("forward", "backward"):
                if f"flow_{d}" in b:
                    write_flo(self.dir / f"flow_{d}" / f"{f:05d}.flo", b[f"flow_{d}"])
        if "boxes" in b:
            self.boxes.append(b["boxes"])

    def abort(self) -> None:
        for w in list(self._npy.values()) + list(self._mp4.values()):
            try:
                w.close()
            except Exception:  # noqa: BLE001 - already failing; the folder is discarded
                pass

    # ---------------------------------------------------------------- finishing
    def finish(self, tracks: dict | None) -> dict:
        """Close the streams, write tracks/boxes, previews and controls; return the manifest."""
        for w in self._npy.values():
            w.close()
        for w in self._mp4.values():
            w.close()
        if tracks is not None:
            np.savez_compressed(self.dir / "tracks.npz", **tracks)
        if "boxes" in self.passes:
            (self.dir / "boxes.json").write_text(json.dumps(self.boxes, separators=(",", ":")) + "\n")
        ranges = self._previews(tracks)
        self._controls(tracks, ranges)
        manifest = build_manifest(self, ranges, tracks)
        (self.dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
        return manifest

    def _frames(self, name: str):
        arr = np.load(self.dir / f"{name}.npy", mmap_mode="r")
        for i in range(arr.shape[0]):
            yield np.asarray(arr[i])

    def _previews(self, tracks: dict | None) -> dict:
        from .control import DepthRangeAccumulator
        from .visualize import (
            colorize_depth,
            colorize_normals,
            colorize_segmentation,
            flow_to_color,
        )

        ranges: dict = {}
        if "depth" in self.passes:
            acc = DepthRangeAccumulator()
            for d in self._frames("depth"):
                acc.update(d)
            rng = acc.result()
            ranges["depth"] = [float(rng[0]), float(rng[1])] if rng else None
            near, far = rng if rng else (0.1, 1.0)
            self._encode("depth.mp4", (colorize_depth(d, near, far) for d in self._frames("depth")))
        if "segmentation" in self.passes:
            self._encode("segmentation.mp4", (colorize_segmentation(s) for s in self._frames("segmentation")))
        if "normals" in self.passes:
            self._encode("normals.mp4", (colorize_normals(n) for n in self._frames("normals")))
        for d in ("forward", "backward"):
            name = f"flow_{d}"
            if name in self.passes:
                mags = [float(np.percentile(np.linalg.norm(fl, axis=-1), 99)) for fl in self._frames(name)]
                mx = max(max(mags, default=0.0), 1.0)
                ranges[name] = mx
                self._encode(f"{name}.mp4", (flow_to_color(fl, max_flow=mx) for fl in self._frames(name)))
            name = f"occlusion_{d}"
            if name in self.passes:
                self._encode(f"{name}.mp4", (np.repeat((o * 255).astype(np.uint8)[..., None], 3, 2) for o in self._frames(name)))
        if "boxes" in self.passes and (self.dir / "rgb.mp4").exists():
            import imageio.v3 as iio

            frames = iio.imiter(self.dir / "rgb.mp4")
            self._encode("boxes.mp4", (_draw_boxes(np.array(fr), bx) for fr, bx in zip(frames, self.boxes, strict=False)))
        if tracks is not None and "tracks" in self.passes:
            self._encode("tracks.mp4", self._track_frames(tracks))
        return ranges

    def _track_frames(self, tracks: dict):
        from .control import track_colors, tracking_video_frame

        colors = track_colors(tracks["tracks_2d"], tracks["tracks_3d"], self.W, self.H)
        for t in range(self.T):
            yield tracking_video_frame(tracks["tracks_2d"][:, t], ~tracks["occluded"][:, t], colors, self.H, self.W,
                                       depth_t=tracks["tracks_3d"][:, t, 2])

    def _controls(self, tracks: dict | None, ranges: dict) -> None:
        from .control import ade20k_lut, depth_control, edges_geometric, normal_control, seg_control

        cdir = self.dir / "control"
        gens = {}
        if "depth" in self.controls:
            near, far = ranges.get("depth") or (0.1, 1.0)
            gens["depth"] = (depth_control(d, near, far) for d in self._frames("depth"))
        if "normal" in self.controls:
            gens["normal"] = (normal_control(n) for n in self._frames("normals"))
        if "edges" in self.controls:
            gens["edges"] = (edges_geometric(s, d, n, K=k) for s, d, n, k in
                             zip(self._frames("segmentation"), self._frames("depth"), self._frames("normals"), self.Ks, strict=True))
        if "seg" in self.controls:
            lut = ade20k_lut(self.class_labels[1:])  # the table starts at id 1
            gens["seg"] = (seg_control(lut[np.minimum(s, len(lut) - 1)]) for s in self._frames("segmentation"))
        if "tracks" in self.controls and tracks is not None:
            gens["tracks"] = self._track_frames(tracks)
        for kind, gen in gens.items():
            (cdir / kind).mkdir(parents=True, exist_ok=True)

            def with_png(g, kind=kind):
                for i, img in enumerate(g):
                    _png(cdir / kind / f"{i:05d}.png", img)
                    yield img if img.ndim == 3 else np.repeat(img[..., None], 3, 2)

            self._encode(f"control/{kind}.mp4", with_png(gen))

    def _encode(self, rel: str, frames) -> None:
        with Mp4Writer(self.dir / rel, self.fps, crf=self.crf) as w:
            for fr in frames:
                w.write(fr if fr.ndim == 3 else np.repeat(fr[..., None], 3, 2))


def _png(path: Path, img: np.ndarray) -> None:
    import imageio.v3 as iio

    iio.imwrite(path, img)


def _draw_boxes(img: np.ndarray, boxes: list[dict]) -> np.ndarray:
    from .visualize import colorize_segmentation

    out = img.copy()
    for b in boxes:
        if b.get("bbox") is None:
            continue
        x0, y0, x1, y1 = b["bbox"]
        c = colorize_segmentation(np.array([[b["id"]]], dtype=np.uint16))[0, 0]
        out[y0:y1, [x0, x1 - 1]] = c
        out[[y0, y1 - 1], x0:x1] = c
    return out


def build_manifest(w: CameraWriter, ranges: dict, tracks: dict | None) -> dict:
    """Every file of the camera folder: pattern, dtype, shape, units, range, polarity, decode."""
    T, H, W = w.T, w.H, w.W
    m: dict = {"frames": T, "width": W, "height": H, "fps": w.fps, "passes": {}}
    P = m["passes"]
    if "rgb" in w.passes:
        P["rgb"] = {"file": "rgb.mp4", "frames_png": "rgb/{frame:05d}.png" if w.frames_png else None,
                    "first_frame": "first_frame.png", "dtype": "uint8", "shape": [T, H, W, 3],
                    "units": "sRGB", "codec": "H.264 yuv420p (lossy); PNG frames are lossless"}
    if "depth" in w.passes:
        P["depth"] = {"file": "depth.npy", "dtype": "float32", "shape": [T, H, W], "units": "metres",
                      "meaning": "z-depth: distance along the camera's viewing axis (not along the ray)",
                      "background": 0.0, "range": ranges.get("depth"),
                      "png16": "depth_mm/{frame:05d}.png", "png16_decode": "uint16 millimetres; 0 = background; metres = value / 1000; 65535 = 65.535 m or farther (use depth.npy beyond)",
                      "preview": "depth.mp4 (turbo colour map of inverse depth, one range for the whole clip; near = red)"}
    if "segmentation" in w.passes:
        P["segmentation"] = {"file": "segmentation.npy", "png16": "segmentation/{frame:05d}.png", "dtype": "uint16",
                             "shape": [T, H, W], "values": "instance ids: 0 background, 1 ground, object k (metadata 'objects' order) = k + 2; table in metadata.json 'segmentation_ids'",
                             "antialiasing": "none", "preview": "segmentation.mp4 (fixed palette)"}
    if "normals" in w.passes:
        P["normals"] = {"file": "normals.npy", "dtype": "float32", "shape": [T, H, W, 3], "units": "unit vectors",
                        "frame": "OpenCV camera frame: x right, y down, z forward; a surface facing the camera has z < 0",
                        "background": [0, 0, 0], "source": "geometry (interpolated mesh normals), not differentiated depth",
                        "preview": "normals.mp4 ((n + 1) / 2 as RGB)"}
    for d, sign in (("forward", "t -> t+1"), ("backward", "t -> t-1")):
        if f"flow_{d}" in w.passes:
            P[f"flow_{d}"] = {"file": f"flow_{d}.npy", "dtype": "float32", "shape": [T, H, W, 2], "units": "pixels",
                              "meaning": f"optical flow {sign}: (dx, dy), x right, y down; pixel centre (u+0.5, v+0.5) of frame t moves to (u+0.5+dx, v+0.5+dy)",
                              "exact": "from known poses and camera motion; background (infinitely far) moves with camera rotation only",
                              "undefined": "last frame (forward) / first frame (backward): zeros, all occluded",
                              "flo": f"flow_{d}/{{frame:05d}}.flo" if w.flo else None,
                              "preview": f"flow_{d}.mp4 (Middlebury colour wheel, saturates at {ranges.get(f'flow_{d}')} px)"}
        if f"occlusion_{d}" in w.passes:
            P[f"occlusion_{d}"] = {"file": f"occlusion_{d}.npy", "dtype": "bool", "shape": [T, H, W],
                                   "polarity": f"True = the pixel's surface point is hidden or off-screen in the other frame ({sign})"}
    if tracks is not None and "tracks" in w.passes:
        n = int(tracks["tracks_2d"].shape[0])
        P["tracks"] = {"file": "tracks.npz", "layout": "TAP-Vid", "points": n,
                       "arrays": {"tracks_2d": "(N, T, 2) float32 pixels [x, y] (x right, y down; pixel centres at +0.5)",
                                  "occluded": "(N, T) bool, True = hidden (behind a surface, off-screen or not present)",
                                  "query_points": "(N, 3) float32 [t, y, x] at the first visible frame",
                                  "tracks_3d": "(N, T, 3) float32 metres, OpenCV camera frame",
                                  "point_object": "(N,) int object index (metadata 'objects' order)",
                                  "point_index": "(N,) int index among the sampled points"},
                       "preview": "tracks.mp4 (points coloured by their frame-0 x, y and inverse depth)"}
    if "boxes" in w.passes:
        P["boxes"] = {"file": "boxes.json", "layout": "list over frames of lists over objects",
                      "fields": {"bbox": "[x0, y0, x1, y1] pixel edges of the visible pixels (x1, y1 exclusive), null if none",
                                 "visible_pixels": "count", "visible_fraction": "visible pixels / area of the projected convex hull clipped to the image (0..1)",
                                 "box3d": "oriented 3D box: center (world, m), size (object frame, m), quaternion [x, y, z, w]"}}
    if w.controls:
        m["control"] = {k: {"video": f"control/{k}.mp4", "frames": f"control/{k}/{{frame:05d}}.png", "meaning": CONTROL_MEANING[k]}
                        for k in w.controls}
    return m


CONTROL_MEANING = {
    "depth": "inverse depth, near = white, far/background = black; one range for the whole clip (no flicker); 8-bit RGB",
    "normal": "ScanNet / normalbae convention: rgb = (1 - n_opencv) / 2 * 255: red = facing left, green = facing up, blue = facing the camera",
    "edges": "geometric line art: silhouettes, depth and crease (> 30 degrees) discontinuities; white on black, 1 px",
    "canny": "classic Canny edges of the RGB frames (thresholds 100, 200)",
    "seg": "ADE20K palette colour per semantic class (ground = floor, objects by class/material), stable over the clip",
    "tracks": "Diffusion-as-Shader style tracking video: points coloured by their frame-0 x, y and inverse depth",
}
