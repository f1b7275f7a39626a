"""How messages name the things of a scene: ``objects[3] 'bunny' (assets/bunny.ply)``."""

from __future__ import annotations

import os


def object_label(index: int, spec) -> str:
    """``objects[3] 'bunny'``, plus the mesh file for a mesh (relative to the current folder
    when it lies below it)."""
    shape = getattr(spec, "shape", None)
    file = getattr(shape, "file", None) if getattr(shape, "type", None) == "mesh" else None
    return f"objects[{index}] '{spec.name}'" + (f" ({display_path(file)})" if file else "")


def display_path(path: str | os.PathLike) -> str:
    """``path`` relative to the current folder when it lies below it, else as it is."""
    text = os.fspath(path)
    try:
        rel = os.path.relpath(text)
    except ValueError:  # another drive (Windows)
        return text
    return rel if not rel.startswith("..") else text
