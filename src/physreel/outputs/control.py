"""Conditioning images for ControlNet-style and video diffusion models (the public functions).

Every function maps one frame of ground truth to an 8-bit image in the convention the common
models were trained on; all are deterministic.  Each lives with its control in
:mod:`physreel.passes.controls` (one module per control); see there for the conventions:

- :func:`depth_control` (+ :class:`DepthRangeAccumulator`, :func:`clip_depth_range`): inverse
  depth, near = white, one range for the whole clip;
- :func:`normal_control`: ScanNet / NormalBAE colours;
- :func:`edges_geometric`, :func:`canny`: white lines on black, one pixel wide;
- :func:`seg_control` (+ :func:`ade20k_class`, :func:`ade20k_lut`): ADE20K palette;
- :func:`tracking_video_frame` (+ :func:`track_colors`): Diffusion-as-Shader tracking video.
"""

from __future__ import annotations

from ..passes.controls.canny import canny
from ..passes.controls.depth import DepthRangeAccumulator, clip_depth_range, depth_control
from ..passes.controls.edges import edges_geometric
from ..passes.controls.normal import NORMAL_BACKGROUND, normal_control
from ..passes.controls.seg import (
    ADE20K_ALIASES,
    ADE20K_CLASSES,
    ADE20K_PALETTE,
    ade20k_class,
    ade20k_lut,
    seg_control,
)
from ..passes.controls.tracks import track_colors, tracking_video, tracking_video_frame

__all__ = [
    "ADE20K_ALIASES", "ADE20K_CLASSES", "ADE20K_PALETTE", "NORMAL_BACKGROUND", "DepthRangeAccumulator", "ade20k_class",
    "ade20k_lut", "canny", "clip_depth_range", "depth_control", "edges_geometric", "normal_control", "seg_control",
    "track_colors", "tracking_video", "tracking_video_frame",
]
