"""``rgb``: the shaded colour image (anti-aliased, shadows), what a camera would film."""

from __future__ import annotations

from .registry import Doc, ManifestInfo, Needs, Pass, register_pass
from .storage import FirstFrame, PngFrames, Video

FRAMES = PngFrames("rgb", option="frames_png")  # lossless, so read back first when written
VIDEO = Video("rgb.mp4")
FIRST = FirstFrame("first_frame.png")


def manifest(m: ManifestInfo) -> dict:
    return {"file": VIDEO.pattern, "frames_png": FRAMES.pattern if FRAMES.enabled(m.options) else None,
            "first_frame": FIRST.pattern, "dtype": "uint8", "shape": [m.frames, m.height, m.width, 3],
            "units": "sRGB", "codec": "H.264 yuv420p (lossy); PNG frames are lossless"}


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
