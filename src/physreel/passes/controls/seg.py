"""``seg`` control: one ADE20K palette colour per semantic class (the table of the ADE20K
benchmark / mmseg / ControlNet ``seg``), stable over the clip.

The ADE20K class names (objectInfo150 order), the palette and the map from physreel classes,
materials and shapes to ADE20K classes are data: ``physreel/data/ade20k.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib.resources import files

import numpy as np

from ...errors import InputError
from ..registry import Control, Doc, register_control

_DATA = json.loads(files("physreel").joinpath("data/ade20k.json").read_text(encoding="utf-8"))

#: The 150 ADE20K class names, objectInfo150 order, synonyms separated by ", ".
ADE20K_CLASSES: tuple[str, ...] = tuple(_DATA["classes"])
#: (150, 3) uint8: the standard ADE20K colour of each class.
ADE20K_PALETTE = np.array(_DATA["palette"], dtype=np.uint8)
#: physreel object classes / materials / common names -> ADE20K class (first synonym of the
#: ADE20K name).  Ground and floors are "floor"; drinking vessels are "glass".
ADE20K_ALIASES: dict[str, str] = dict(_DATA["aliases"])
_ADE20K_INDEX: dict[str, int] = {}
for _i, _names in enumerate(ADE20K_CLASSES):
    for _syn in _names.split(", "):
        _ADE20K_INDEX.setdefault(_syn, _i)
del _i, _names, _syn, _DATA

def ade20k_class(label: str, default: str | None = None) -> int:
    """Index (0-149) of the ADE20K class for an object class, material or name.

    Looks ``label`` (case-insensitive, spaces and dashes as underscores) up in
    :data:`ADE20K_ALIASES`, then among the ADE20K synonyms (``"glass, drinking glass"`` matches
    ``"glass"`` and ``"drinking glass"``).  Unknown labels map to ``default`` (an ADE20K name)
    or raise :class:`~physreel.errors.InputError` when no default is given.
    """
    key = label.strip().lower().replace("-", "_").replace(" ", "_")
    name = ADE20K_ALIASES.get(key, key.replace("_", " "))
    idx = _ADE20K_INDEX.get(name)
    if idx is None and default is not None:
        idx = _ADE20K_INDEX.get(default)
    if idx is None:
        raise InputError(
            f"no ADE20K class for {label!r}; use one of the ADE20K names (e.g. 'box', 'ball', "
            f"'table', 'floor', 'glass') or one of {sorted(ADE20K_ALIASES)}"
        )
    return idx


def ade20k_lut(labels: Sequence[str], default: str | None = "plaything") -> np.ndarray:
    """Instance id -> ADE20K class index lookup table.

    Parameters
    ----------
    labels : list of str
        ``labels[k - 1]`` is the class / material / name of instance id ``k``.
    default : str or None
        ADE20K name for labels with no match (None: raise).

    Returns
    -------
    (len(labels) + 1,) int32
        ``lut[0] = -1`` (background); use as ``seg_control(lut[seg])``.
    """
    return np.array([-1] + [ade20k_class(s, default) for s in labels], dtype=np.int32)


def seg_control(
    class_ids: np.ndarray,
    palette: np.ndarray | None = None,
    background: tuple[int, int, int] = (0, 0, 0),
) -> np.ndarray:
    """Semantic classes as colours (ADE20K palette by default).

    Parameters
    ----------
    class_ids : (H, W) int
        Class index per pixel (0-149 for ADE20K), negative = background.
    palette : (C, 3) uint8, optional
        Colour per class; default :data:`ADE20K_PALETTE`.
    background : 3 ints
        Colour of negative ids.  ADE20K has no "nothing" class; black keeps empty space out
        of every class (pass ``ADE20K_PALETTE[ade20k_class("sky")]`` or ``"wall"`` to give the
        backdrop a class instead).

    Returns
    -------
    (H, W, 3) uint8
    """
    pal = ADE20K_PALETTE if palette is None else np.asarray(palette, dtype=np.uint8)
    ids = np.asarray(class_ids)
    if ids.size and int(ids.max()) >= len(pal):
        raise InputError(
            f"seg_control: class id {int(ids.max())} but the palette has {len(pal)} colours"
        )
    table = np.concatenate([pal, np.asarray(background, dtype=np.uint8)[None]], axis=0)
    return table[np.where(ids < 0, len(pal), ids)]


def _lut(clip) -> np.ndarray:
    return ade20k_lut(list(clip.class_labels)[1:])  # the table starts at id 1


register_control(Control(
    name="seg",
    aliases=("segmentation",),
    needs=("segmentation",),
    setup=_lut,
    frame=lambda bundle, lut: seg_control(lut[np.minimum(bundle["segmentation"], len(lut) - 1)]),
    meaning="ADE20K palette colour per semantic class (ground = floor, objects by class/material), stable over the clip",
    doc=Doc("ADE20K colour per semantic class (ground = floor; objects by `class_name`, shape or material), "
            "stable over the clip"),
))
