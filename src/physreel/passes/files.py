"""Reading passes back from a camera folder: for the reader, previews and clip-wide controls."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from .frame import Clip
from .registry import Pass


def stored(spec: Pass, folder: Path):
    """The first of pass ``spec``'s clip storages that was written in ``folder`` (the one it is
    read back from).

    Raises
    ------
    InputError
        None of its files is in ``folder``.
    """
    for st in spec.storage:
        if st.clip and st.exists(folder):
            return st
    files = ", ".join(st.pattern for st in spec.storage if st.clip)
    raise InputError(f"{folder}: pass {spec.name!r} is listed but none of its files ({files}) is there; "
                     "the folder is incomplete, render it again")


def read_pass(spec: Pass, folder: Path, encodings: Mapping[str, Mapping] | None = None) -> Any:
    """All frames of pass ``spec`` from the first of its storages that was written, decoded
    with that storage's encoding (``encodings``: storage pattern -> the manifest's ``files``
    entry)."""
    st = stored(spec, folder)
    return st.read(folder, (encodings or {}).get(st.pattern))


def pass_frames(spec: Pass, folder: Path, encodings: Mapping[str, Mapping] | None = None) -> Iterator[np.ndarray]:
    """The frames of an array pass one at a time (bounded memory), as :func:`read_pass`."""
    st = stored(spec, folder)
    return st.frames(folder, (encodings or {}).get(st.pattern))


class FrameSequence:
    """The frames of a stored array pass with random access, decoded one at a time (memory does
    not grow with the clip): ``seq[t]`` is one (H, W, ...) frame, ``seq[a:b]`` a stacked array,
    ``np.asarray(seq)`` the whole clip."""

    def __init__(self, storage, folder: Path, encoding: Mapping | None):
        self.storage, self.folder, self.encoding = storage, Path(folder), encoding
        if hasattr(storage, "files"):
            self._files = storage.files(self.folder)
            self._array = None
        else:  # a memory-mapped .npy
            self._files = None
            self._array = storage.read(self.folder, encoding)

    def __len__(self) -> int:
        return len(self._files) if self._files is not None else len(self._array)

    def _frame(self, t: int) -> np.ndarray:
        if self._array is not None:
            return np.asarray(self._array[t])
        return self.storage.read_one(self._files[t], self.encoding)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return np.stack([self._frame(t) for t in range(len(self))[key]])
        if isinstance(key, tuple):
            return self[key[0]][key[1:]]
        t = int(key)
        if not -len(self) <= t < len(self):
            raise IndexError(f"frame {t} of a clip of {len(self)} frames")
        return self._frame(t % len(self))

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self), *self._frame(0).shape)

    @property
    def dtype(self) -> np.dtype:
        return self._frame(0).dtype

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        a = self[:]
        return a if dtype is None else a.astype(dtype)


def pass_sequence(spec: Pass, folder: Path, encodings: Mapping[str, Mapping] | None = None) -> FrameSequence:
    """The frames of an array pass with random access (see :class:`FrameSequence`)."""
    st = stored(spec, folder)
    return FrameSequence(st, folder, (encodings or {}).get(st.pattern))


def manifest_encodings(entry: Mapping[str, Any]) -> dict[str, Mapping]:
    """Storage pattern -> ``files`` entry of a pass's manifest entry."""
    return {f["pattern"]: f for f in entry.get("files", ()) if isinstance(f, Mapping) and "pattern" in f}


@dataclass
class ClipFiles:
    """The written files of one camera, as previews and clip-wide controls see them.

    Attributes
    ----------
    folder : Path
        The camera folder.
    clip : Clip
    scales : dict name -> clip-wide scale of each pass (``Pass.scale``; None if it has none)
    values : dict name -> clip-level value of each pass (``Pass.finish``)
    encodings : dict name -> {storage pattern -> encoding parameters} of the written storages
    exact : dict name -> path of a ``.npy`` with the pass's exact values, while the writer still
        holds one (a buffered encoding): previews and controls read it rather than decode
    """

    folder: Path
    clip: Clip
    passes: Mapping[str, Pass]
    scales: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    encodings: dict[str, dict[str, Mapping]] = field(default_factory=dict)
    exact: dict[str, Path] = field(default_factory=dict)

    def read(self, name: str) -> Any:
        """Pass ``name``: its exact values while the writer holds them, else as stored (see
        :func:`read_pass`)."""
        if name in self.exact:
            return np.load(self.exact[name], mmap_mode="r")
        return read_pass(self.passes[name], self.folder, self.encodings.get(name))

    def frames(self, name: str) -> Iterator[np.ndarray]:
        """The frames of an array pass one at a time (bounded memory)."""
        if name in self.exact:
            return (np.asarray(f) for f in np.load(self.exact[name], mmap_mode="r"))
        return pass_frames(self.passes[name], self.folder, self.encodings.get(name))
