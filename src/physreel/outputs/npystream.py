"""Write a .npy file one frame at a time (memory does not grow with the clip length)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class NpyStreamWriter:
    """A (T, *frame_shape) array written frame by frame; readable with ``np.load(mmap_mode="r")``.

    Parameters
    ----------
    path : output .npy file
    num_frames : T, known in advance (the header states the full shape)
    frame_shape : shape of one frame
    dtype : numpy dtype
    """

    def __init__(self, path: Path, num_frames: int, frame_shape: tuple[int, ...], dtype):
        self.path = Path(path)
        self.shape = (int(num_frames), *frame_shape)
        self.dtype = np.dtype(dtype)
        self._f = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        np.lib.format.write_array_header_1_0(
            self._f, {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False, "shape": self.shape})
        self.frames = 0

    def write(self, frame: np.ndarray) -> None:
        a = np.ascontiguousarray(frame, dtype=self.dtype)
        if a.shape != self.shape[1:]:
            raise ValueError(f"{self.path.name}: frame shape {a.shape}, expected {self.shape[1:]}")
        self._f.write(a.tobytes())
        self.frames += 1

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None
            if self.frames != self.shape[0]:
                raise ValueError(f"{self.path.name}: {self.frames} frames written, header says {self.shape[0]}")
