"""Scene composition: compound parts, arrays of objects and positions relative to objects.

Pure functions on scene data and models, used by the loader.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def compound_parts(shape: Any) -> Iterator[tuple[int, dict]]:
    """``(index, part dict)`` of a raw compound shape's parts (nothing for other shapes)."""
    if isinstance(shape, dict) and shape.get("type") == "compound" and isinstance(shape.get("parts"), list):
        for k, part in enumerate(shape["parts"]):
            if isinstance(part, dict):
                yield k, part


def resolve_part_paths(shape, base: Path):
    """A compound shape whose parts' relative mesh paths are made absolute against ``base``
    (the same shape when there are none)."""
    parts, changed = [], False
    for part in shape.parts:
        ps = part.shape
        if ps.type == "mesh" and not os.path.isabs(ps.file):
            part = part.model_copy(update={"shape": ps.model_copy(update={"file": str((base / ps.file).resolve())})})
            changed = True
        parts.append(part)
    return shape.model_copy(update={"parts": parts}) if changed else shape
