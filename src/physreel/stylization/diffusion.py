"""Adapters from a render folder to diffusers pipelines (extra: ``physreel[diffusers]``).

physreel writes the conditioning video models expect (``--control depth,normal,edges,...``);
these adapters turn a render folder into the keyword arguments of a pipeline call, following
each model family's rules (``src/physreel/data/diffusion_families.json``):

=============== ================================ ======== ================ ==================
family          pipeline                         size     frames           control argument
=============== ================================ ======== ================ ==================
controlnet      StableDiffusionControlNetPipeline x 8     any (per frame)  ``image``
animatediff     AnimateDiffControlNetPipeline     x 8     a window (16)    ``conditioning_frames``
cogvideox-fun   CogVideoXFunControlPipeline       x 16    4k + 1 (49)      ``control_video``
wan-vace        WanVACEPipeline                   x 16    4k + 1 (81)      ``video`` + ``mask``
=============== ================================ ======== ================ ==================

The control frames are the lossless PNGs physreel wrote (``<camera>/control/<kind>/``), passed
unchanged: a size that breaks the family's rule is centre-cropped to the next multiple (never
resampled).  physreel never downloads weights: you build or load the pipeline, physreel feeds it.
:class:`PipelineStylizer` wraps such a pipeline as a stylizer (``physreel.stylize(out, st)``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from ..errors import ArgumentError, InputError
from .extras import require
from .source import RenderFrames, frames_of


@lru_cache(maxsize=1)
def families() -> dict[str, dict]:
    """The model families and their input rules (from the data file)."""
    data = json.loads(resources.files("physreel").joinpath("data/diffusion_families.json").read_text())
    return {k: v for k, v in data.items() if not k.startswith("_")}


def family(name: str) -> dict:
    fams = families()
    if name not in fams:
        raise ArgumentError(f"unknown model family {name!r}; families are {', '.join(fams)}")
    return fams[name]


def valid_frame_count(name: str, n: int) -> bool:
    """Whether ``n`` frames suit family ``name`` in one call."""
    rule = family(name)["frames"]
    return n >= 1 and (rule != "4k+1" or n % 4 == 1)


def fit_frame_count(name: str, available: int, requested: int | None = None) -> int:
    """Frames for one call: ``requested`` (checked) or the family default, at most ``available``
    (rounded down to the rule, e.g. 4k + 1)."""
    fam = family(name)
    if requested is not None:
        if not valid_frame_count(name, requested):
            lo = (requested - 1) // 4 * 4 + 1
            raise ArgumentError(f"{name}: {requested} frames break the {fam['frames']} rule; use {lo} or {lo + 4}")
        if requested > available:
            raise ArgumentError(f"{name}: {requested} frames asked for but the render has {available} from the "
                                f"start frame; render longer (e.g. --preset {name.split('-')[0]})")
        return requested
    n = min(int(fam["default_frames"]), available) if fam["frames"] != "any" else available
    if fam["frames"] == "4k+1":
        n = (n - 1) // 4 * 4 + 1
    return max(n, 1)


def crop_box(name: str, width: int, height: int) -> tuple[int, int, int, int]:
    """``(x0, y0, w, h)``: the centred crop of a ``width x height`` frame to the family's multiple."""
    m = int(family(name)["size_multiple"])
    w, h = width // m * m, height // m * m
    if w == 0 or h == 0:
        raise ArgumentError(f"{name}: frames of {width}x{height} are smaller than the {m}-pixel multiple the model needs")
    return (width - w) // 2, (height - h) // 2, w, h


def control_frames(render, kind: str, frames: Sequence[int], *, camera: str | None = None,
                   crop: tuple[int, int, int, int] | None = None) -> list:
    """The control PNGs physreel wrote for ``frames``, as PIL images (RGB), optionally cropped."""
    from PIL import Image

    fr = frames_of(render, camera)
    from ..passes import CONTROLS

    kind = CONTROLS.canonical(kind)  # aliases accepted; unknown: ArgumentError with "did you mean"
    folder = fr.output.folder / "control" / kind
    if not (folder / "00000.png").is_file():
        raise InputError(f"{fr.output.folder}: no '{kind}' control frames; render again with --control {kind}")
    out = []
    for t in frames:
        img = Image.open(folder / f"{t:05d}.png").convert("RGB")
        if crop is not None:
            x0, y0, w, h = crop
            img = img.crop((x0, y0, x0 + w, y0 + h))
        out.append(img)
    return out


def pipeline_inputs(render, name: str, *, control: str = "depth", camera: str | None = None, start: int = 0,
                    num_frames: int | None = None, reference: bool = False) -> dict[str, Any]:
    """Keyword arguments for one call of a family's pipeline (prompt, seed and steps are yours).

    Parameters
    ----------
    render : render folder path, RenderOutput or RenderFrames
    name : ``controlnet`` (one frame: ``start``), ``animatediff``, ``cogvideox-fun``, ``wan-vace``
    control : the conditioning (``--control`` kind rendered with the folder)
    camera : camera name (default: the first)
    start : first frame
    num_frames : frames in the call (default: the family's, at most what the render has)
    reference : ``wan-vace``: also pass the first RGB frame as ``reference_images``

    Returns
    -------
    dict
        ``height``, ``width`` and the family's control argument (PIL images); ``num_frames``
        for video families; ``mask`` (all white = generate everything) for ``wan-vace``.
    """
    fam = family(name)
    fr = frames_of(render, camera)
    if not 0 <= start < fr.num_frames:
        raise ArgumentError(f"start must be a frame in 0..{fr.num_frames - 1}, got {start}")
    box = crop_box(name, fr.width, fr.height)
    if fam["frames"] == "any":
        ctrl = control_frames(fr, control, [start], crop=box)
        return {fam["control_argument"]: ctrl[0], "height": box[3], "width": box[2]}
    n = fit_frame_count(name, fr.num_frames - start, num_frames)
    ctrl = control_frames(fr, control, range(start, start + n), crop=box)
    kw: dict[str, Any] = {fam["control_argument"]: ctrl, "height": box[3], "width": box[2]}
    if name != "cogvideox-fun":  # CogVideoX-Fun takes the frame count from the control video
        kw["num_frames"] = n
    if name == "wan-vace":
        from PIL import Image

        kw["mask"] = [Image.new("L", (box[2], box[3]), 255) for _ in range(n)]
        if reference:
            from PIL import Image as _I

            x0, y0, w, h = box
            kw["reference_images"] = [_I.fromarray(fr.rgb(start)[y0:y0 + h, x0:x0 + w])]
    return kw


class PipelineStylizer:
    """A user-supplied diffusers pipeline as a stylizer (physreel never downloads weights).

    Per-frame families (``controlnet``) run the pipeline once per frame; video families run it
    on windows of the family's frame count and hand the frames out one by one (one window in
    memory).  Every call uses a generator seeded with ``seed`` (same seed, same output).  Output
    frames are resized back to the render's size if the model's size rules cropped them.

    Parameters
    ----------
    pipe : a diffusers pipeline of the family (built by you, weights loaded by you)
    name : family name (see :func:`families`)
    prompt : text prompt (or pass ``prompt_embeds`` in ``call_kwargs``)
    control : conditioning kind rendered with the folder (``--control``)
    seed : generator seed
    window : frames per call for video families (default: the family's)
    output_name : names the output file (default ``"diffusion-<family>"``)
    call_kwargs : anything else for the pipeline call (``num_inference_steps``, ``guidance_scale``...)
    """

    needs = ("rgb",)

    def __init__(self, pipe, name: str, prompt: str | None = None, *, control: str = "depth", seed: int = 0,
                 window: int | None = None, output_name: str | None = None, **call_kwargs: Any):
        self.torch = require("torch", "diffusers", "diffusion stylizers")
        self.pipe, self.family = pipe, name
        family(name)
        self.prompt, self.control, self.seed, self.window = prompt, control, int(seed), window
        self.call_kwargs = call_kwargs
        self.name = output_name or f"diffusion-{name}"
        self.frames: RenderFrames | None = None
        self._chunk: tuple[int, list[np.ndarray]] | None = None

    def prepare(self, frames: RenderFrames) -> None:
        self.frames = frames
        self._chunk = None

    def _call(self, kw: dict) -> list[np.ndarray]:
        gen = self.torch.Generator(device="cpu").manual_seed(self.seed)
        if self.prompt is not None:
            kw["prompt"] = self.prompt
        res = self.pipe(**kw, **self.call_kwargs, generator=gen, output_type="np")
        out = res.frames[0] if hasattr(res, "frames") else res.images
        return [np.clip(np.asarray(f) * 255 + 0.5, 0, 255).astype(np.uint8) for f in out]

    def _fit(self, img: np.ndarray) -> np.ndarray:
        fr = self.frames
        if img.shape[:2] == (fr.height, fr.width):
            return img
        from PIL import Image

        return np.asarray(Image.fromarray(img).resize((fr.width, fr.height), Image.BILINEAR))

    def __call__(self, bundle) -> np.ndarray:
        if self.frames is None:
            raise ArgumentError("PipelineStylizer reads control frames from a render folder: use it through "
                                "physreel.stylize(render_dir, stylizer)")
        t = bundle.frame
        if family(self.family)["frames"] == "any":
            return self._fit(self._call(pipeline_inputs(self.frames, self.family, control=self.control, start=t))[0])
        if self._chunk is None or not self._chunk[0] <= t < self._chunk[0] + len(self._chunk[1]):
            self._chunk = (t, self._window(t))
        return self._fit(self._chunk[1][t - self._chunk[0]])

    def _window(self, start: int) -> list[np.ndarray]:
        """Generate a window starting at ``start``; a short tail is generated from an earlier start."""
        fr = self.frames
        n = fit_frame_count(self.family, fr.num_frames, self.window)
        first = min(start, fr.num_frames - n)
        outs = self._call(pipeline_inputs(fr, self.family, control=self.control, start=first, num_frames=n))
        return outs[start - first:]
