"""Body keypoints of people in the OpenPose layouts (COCO-18 and BODY-25), in 3D and in images.

Each rig names points on its bones (joint centres, nose, eyes, ears, toes, heels; see
``physreel/data/mannequin.json`` and :mod:`physreel.assets.skinned`); they all lie inside the
body, so a keypoint projects onto its person's silhouette unless something hides it.  COCO-18's
``neck`` is the midpoint of the shoulders and BODY-25's ``mid_hip`` the midpoint of the hips, as
in OpenPose.  The layouts and the ControlNet drawing convention are data
(``physreel/data/keypoints.json``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np

from .rig import Rig


@lru_cache(maxsize=1)
def layout() -> dict:
    """The keypoint table: ``coco18`` and ``body25`` names, the OpenPose limbs and colours."""
    return json.loads(resources.files("physreel").joinpath("data", "keypoints.json").read_text())


def coco18_names() -> list[str]:
    return list(layout()["coco18"])


def body25_names() -> list[str]:
    return list(layout()["body25"])


def keypoints_3d(rig: Rig, positions: np.ndarray, quaternions: np.ndarray, names: list[str]) -> np.ndarray:
    """World positions of keypoints ``names`` for bone poses.

    Parameters
    ----------
    rig : Rig
    positions : (..., B, 3) float64, metres: world bone origins
    quaternions : (..., B, 4) float64
    names : keypoint names (``coco18_names()`` or ``body25_names()``)

    Returns
    -------
    (..., K, 3) float64, metres
    """
    derived = {"neck": ("left_shoulder", "right_shoulder"), "mid_hip": ("left_hip", "right_hip")}
    direct = sorted({n for n in names if n not in derived} | {p for n in names if n in derived for p in derived[n]})
    pts = rig.point_positions(direct, positions, quaternions)
    at = {n: pts[..., i, :] for i, n in enumerate(direct)}
    out = [(at[derived[n][0]] + at[derived[n][1]]) / 2 if n in derived else at[n] for n in names]
    return np.stack(out, axis=-2)
