"""``rgb``: the shaded colour image (anti-aliased, shadows, sky, haze, tone-mapped; motion blur
and depth of field when asked), what a camera would film."""

from __future__ import annotations

from .registry import Doc, ManifestInfo, Needs, Pass, register_pass
from .storage import FirstFrame, PngFrames, Video

FRAMES = PngFrames("rgb", option="frames_png")  # lossless, so read back first when written
VIDEO = Video("rgb.mp4")
FIRST = FirstFrame("first_frame.png")


def exposure(m: ManifestInfo) -> dict:
    """How the colour image was exposed: tier, exposure, shutter (motion blur), lens."""
    if m.clip is None:
        return {}
    render = m.clip.scene.render
    shutter = float(render.shutter) if render.motion_blur else 0.0
    cam = next((c for c in m.clip.scene.cameras if c.name == m.clip.camera), None)
    lens = None
    if cam is not None and cam.aperture is not None:
        lens = {"aperture_f_number": cam.aperture, "focus_distance_m": cam.focus_distance or "look_at",
                "sensor_height_m": 0.024}
    return {"look": render.look, "exposure_ev": render.exposure, "tone": "filmic: identity up to linear 0.75, "
            "then the brightest channel rolls off towards 1 (hue kept); sRGB transfer function",
            "shutter": shutter, "shutter_units": "fraction of a frame; the image integrates "
            "[t - shutter / 2, t + shutter / 2] / fps around the frame's time t; 0: sharp",
            "ground_truth_time": "the frame's time (the shutter's centre): ground truth is sharp",
            "depth_of_field": lens}


def manifest(m: ManifestInfo) -> dict:
    return {"file": VIDEO.pattern, "frames_png": FRAMES.pattern if FRAMES.enabled(m.options) else None,
            "first_frame": FIRST.pattern, "dtype": "uint8", "shape": [m.frames, m.height, m.width, 3],
            "units": "sRGB", "codec": "H.264 yuv420p (lossy); PNG frames are lossless", **exposure(m)}


register_pass(Pass(
    name="rgb",
    compute=lambda frame, state: frame.render["rgb"],
    needs=Needs(render=("rgb",)),
    storage=(FRAMES, VIDEO, FIRST),
    manifest=manifest,
    doc=Doc("colour video (H.264) and the first frame as PNG",
            files="`rgb.mp4` (H.264 yuv420p, browser-playable), `first_frame.png`, "
                  "`rgb/NNNNN.png` with `--frames-png`",
            convention="uint8 sRGB"),
))
