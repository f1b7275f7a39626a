"""Conform clips to what a video model trains on (``export --format cogvideox|wan``), or refuse.

Each layout (``src/physreel/data/video_model_layouts.json``) fixes a clip length that follows
the model's frame rule (CogVideoX: 49 = 8 * 6 + 1 frames; Wan: 81 = 4 * 20 + 1), a size and a
frame rate.  A clip is conformed without inventing anything:

- **fps**: kept when equal; a whole multiple is subsampled (frame ``i`` of the result is frame
  ``i * k`` of the source, i.e. the same instant ``i / fps``); anything else is refused;
- **frames**: the first ``frames`` frames after subsampling; fewer is refused;
- **size**: kept when equal; a larger frame is scaled down until it covers the target and
  centre-cropped; a smaller one is refused (upscaling only blurs).

A refusal says which sample, what it has, what the model needs and the batch options that
render conforming clips (``physreel batch ... --preset cogvideox``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from physreel.errors import ArgumentError


@dataclass(frozen=True)
class Layout:
    """The training-clip rules of one video model.

    Attributes
    ----------
    name : str
    frames : int
        Clip length (``rule_step * n + 1``).
    rule_step : int
    width, height : int
        Pixels.
    fps : int
    model : str
        Human-readable model name.
    """

    name: str
    frames: int
    rule_step: int
    width: int
    height: int
    fps: int
    model: str

    @property
    def rule(self) -> str:
        return f"{self.rule_step}N+1"

    def valid_length(self, n: int) -> bool:
        return n >= 1 and (n - 1) % self.rule_step == 0


def layouts() -> dict[str, Layout]:
    """Every layout of the data file, by name."""
    data = json.loads(resources.files("physreel").joinpath("data/video_model_layouts.json").read_text())
    return {k: Layout(name=k, **v) for k, v in data.items() if not k.startswith("_")}


@dataclass(frozen=True)
class Plan:
    """How one clip becomes a conforming clip.

    Attributes
    ----------
    stride : int
        Take every ``stride``-th source frame.
    frames : int
        Frames kept (from the first).
    source_size : (int, int)
        (width, height) of the source.
    scale_to : (int, int) or None
        (width, height) to resize to before the centre crop; None = keep the size.
    identical : bool
        Nothing to change: the file can be linked as it is.
    """

    stride: int
    frames: int
    source_size: tuple[int, int]
    scale_to: tuple[int, int] | None
    identical: bool


def plan_clip(layout: Layout, frames: int, fps: float, width: int, height: int, what: str) -> Plan:
    """The plan for a clip of ``frames`` frames at ``fps``, ``width`` x ``height``.

    Raises
    ------
    ArgumentError
        The clip cannot be conformed without inventing frames or pixels; the message names
        ``what`` (e.g. the sample), says why and how to render conforming clips.
    """
    fix = f"render the batch with `physreel batch ... --preset {layout.name}`"
    need = f"{layout.model} trains on {layout.frames} frames ({layout.rule}) of {layout.width}x{layout.height} " \
           f"at {layout.fps} fps"
    if fps <= 0 or abs(fps / layout.fps - round(fps / layout.fps)) > 1e-9 or round(fps / layout.fps) < 1:
        raise ArgumentError(f"{what}: {fps:g} fps is not a whole multiple of {layout.fps} fps, so its frames "
                            f"cannot be subsampled to {layout.fps} fps; {need}: {fix} (or --fps "
                            f"{layout.fps})")
    stride = int(round(fps / layout.fps))
    available = math.ceil(frames / stride)
    if available < layout.frames:
        seconds = (layout.frames - 1) / layout.fps
        raise ArgumentError(f"{what}: {frames} frames at {fps:g} fps give {available} frames at {layout.fps} fps, "
                            f"fewer than {layout.frames}; {need}: {fix} (or --duration "
                            f"{layout.frames / layout.fps:g}, at least {seconds:g} s)")
    if width < layout.width or height < layout.height:
        raise ArgumentError(f"{what}: {width}x{height} is smaller than {layout.width}x{layout.height} and "
                            f"upscaling would only blur it; {need}: {fix} (or --resolution "
                            f"{layout.width}x{layout.height})")
    scale_to = None
    if (width, height) != (layout.width, layout.height):
        s = max(layout.width / width, layout.height / height)
        scale_to = (max(layout.width, round(width * s)), max(layout.height, round(height * s)))
    identical = stride == 1 and frames == layout.frames and scale_to is None
    return Plan(stride, layout.frames, (width, height), scale_to, identical)


def conform_frames(frames: Iterator[np.ndarray], plan: Plan, layout: Layout, nearest: bool = False
                   ) -> Iterator[np.ndarray]:
    """The conformed frames of a clip, one at a time: subsampled, cut to length, scaled down
    (Lanczos; ``nearest`` for label images such as the segmentation control) and centre-cropped."""
    from PIL import Image

    kept = 0
    for i, fr in enumerate(frames):
        if kept == plan.frames:
            break
        if i % plan.stride:
            continue
        img = np.asarray(fr)
        if plan.scale_to is not None:
            pil = Image.fromarray(img).resize(plan.scale_to, Image.NEAREST if nearest else Image.LANCZOS)
            w, h = plan.scale_to
            x0, y0 = (w - layout.width) // 2, (h - layout.height) // 2
            img = np.asarray(pil)[y0:y0 + layout.height, x0:x0 + layout.width]
        kept += 1
        yield np.ascontiguousarray(img)


def write_conformed(src: Path, dst: Path, plan: Plan, layout: Layout, nearest: bool = False) -> None:
    """Encode the conformed clip of video ``src`` to ``dst`` (H.264, the layout's fps)."""
    import imageio.v3 as iio

    from physreel.outputs.video import Mp4Writer

    dst.parent.mkdir(parents=True, exist_ok=True)
    with Mp4Writer(dst, layout.fps, crf=18) as w:
        for fr in conform_frames(iio.imiter(src), plan, layout, nearest):
            w.write(fr[..., :3] if fr.ndim == 3 else np.repeat(fr[..., None], 3, axis=2))
