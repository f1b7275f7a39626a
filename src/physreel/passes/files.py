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


def read_pass(spec: Pass, folder: Path) -> Any:
    """All frames of pass ``spec`` from the first of its storages that was written.

    Raises
    ------
    InputError
        None of its files is in ``folder``.
    """
    for st in spec.storage:
        if st.clip and st.exists(folder):
            return st.read(folder)
    files = ", ".join(st.pattern for st in spec.storage if st.clip)
    raise InputError(f"{folder}: pass {spec.name!r} is listed but none of its files ({files}) is there; "
                     "the folder is incomplete, render it again")


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
    """

    folder: Path
    clip: Clip
    passes: Mapping[str, Pass]
    scales: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def read(self, name: str) -> Any:
        """Pass ``name`` as stored (see :func:`read_pass`)."""
        return read_pass(self.passes[name], self.folder)

    def frames(self, name: str) -> Iterator[np.ndarray]:
        """The frames of an array pass one at a time (memory-mapped: bounded memory)."""
        arr = self.read(name)
        for i in range(arr.shape[0]):
            yield np.asarray(arr[i])
