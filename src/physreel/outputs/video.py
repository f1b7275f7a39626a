"""Streaming MP4 writer (H.264, yuv420p: plays in browsers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import RenderError


class Mp4Writer:
    """Append frames one at a time; memory does not grow with the clip length.

    Parameters
    ----------
    path : output file (.mp4)
    fps : frames per second
    crf : x264 constant rate factor (0 = lossless, 18 = visually lossless, 23 = x264 default)
    """

    def __init__(self, path: Path, fps: float, crf: int = 18, preset: str = "veryfast"):
        import imageio.v2 as iio

        self.path = Path(path)
        try:
            # quality=None: imageio's default would add its own crf; macro_block_size=2: its
            # default 16 silently rescales frames whose size is not a multiple of 16.
            self._w = iio.get_writer(
                str(self.path), format="FFMPEG", mode="I", fps=fps, codec="libx264", quality=None,
                pixelformat="yuv420p", macro_block_size=2,
                ffmpeg_params=["-crf", str(crf), "-preset", preset, "-movflags", "+faststart",
                               "-threads", "1", "-bf", "0"],
                output_params=None, ffmpeg_log_level="error",
            )
        except Exception as e:  # noqa: BLE001
            raise RenderError(f"cannot start the video encoder for {self.path}: {e}") from None
        self.frames = 0

    def write(self, frame: np.ndarray) -> None:
        """Append one (H, W, 3) uint8 RGB frame."""
        self._w.append_data(np.ascontiguousarray(frame))
        self.frames += 1

    def close(self) -> None:
        if self._w is not None:
            self._w.close()
            self._w = None

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
