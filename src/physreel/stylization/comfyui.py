"""ComfyUI nodes (plain classes; ComfyUI is not needed to import or test them).

Install: make a folder ``ComfyUI/custom_nodes/physreel/`` with an ``__init__.py`` containing
``from physreel.stylization.comfyui import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS``, in a
ComfyUI whose Python has physreel installed.

- **Load physreel render**: ``IMAGE`` (RGB frames), ``IMAGE`` (a control video), ``MASK``
  (pixels of the objects, or of one named object), ``LATENT`` (flow-warped noise at 1/8
  resolution, for noise-warping video models).
- **physreel Stabilize**: removes flicker from stylised frames (``IMAGE``) of a render with the
  exact flow (:class:`~physreel.stylization.stabilize.Stabilizer`).

ComfyUI's types: ``IMAGE`` is a float32 torch tensor (B, H, W, 3) in 0..1, ``MASK`` (B, H, W)
in 0..1, ``LATENT`` a dict ``{"samples": (B, C, H/8, W/8)}``.
"""

from __future__ import annotations

import numpy as np

from .extras import require
from .source import RenderFrames

CATEGORY = "physreel"


def _torch():
    return require("torch", "diffusers", "the ComfyUI nodes")


def _frames(fr: RenderFrames, start: int, count: int) -> range:
    end = fr.num_frames if count <= 0 else min(fr.num_frames, start + count)
    return range(min(start, fr.num_frames - 1), end)


class LoadPhysreelRender:
    """Load physreel render: frames, a control video, an object mask and warped noise."""

    CATEGORY = CATEGORY
    FUNCTION = "load"
    RETURN_TYPES = ("IMAGE", "IMAGE", "MASK", "LATENT")
    RETURN_NAMES = ("images", "control", "mask", "noise")

    @classmethod
    def INPUT_TYPES(cls) -> dict:  # noqa: N802 - ComfyUI's name
        return {"required": {
            "render_dir": ("STRING", {"default": "renders/glass_drop"}),
            "camera": ("STRING", {"default": ""}),
            "control": (["depth", "normal", "edges", "canny", "seg", "tracks"],),
            "object": ("STRING", {"default": "", "tooltip": "object name for the mask; empty = every object"}),
            "start": ("INT", {"default": 0, "min": 0}),
            "frames": ("INT", {"default": 0, "min": 0, "tooltip": "0 = to the end"}),
            "noise_channels": ("INT", {"default": 4, "min": 1, "max": 64}),
            "noise_seed": ("INT", {"default": 0, "min": 0}),
        }}

    def load(self, render_dir: str, camera: str = "", control: str = "depth", object: str = "", start: int = 0,  # noqa: A002
             frames: int = 0, noise_channels: int = 4, noise_seed: int = 0):
        from .diffusion import control_frames
        from .noise import warped_noise

        torch = _torch()
        fr = RenderFrames(render_dir, camera or None)
        idx = _frames(fr, start, frames)
        rgb = np.stack([fr.rgb(t) for t in idx]).astype(np.float32) / 255
        ctrl = np.stack([np.asarray(im) for im in control_frames(fr, control, idx)]).astype(np.float32) / 255
        seg = fr.array("segmentation")
        if object:
            if object not in fr.object_names:
                from ..errors import ArgumentError

                raise ArgumentError(f"no object {object!r}; objects are {', '.join(fr.object_names)}")
            oid = fr.object_names.index(object) + 2
            mask = np.stack([np.asarray(seg[t]) == oid for t in idx])
        else:
            mask = np.stack([np.asarray(seg[t]) >= 2 for t in idx])
        noise = np.stack(list(warped_noise(fr, channels=noise_channels, downscale=8, seed=noise_seed, frames=idx)))
        return (torch.from_numpy(rgb), torch.from_numpy(ctrl), torch.from_numpy(mask.astype(np.float32)),
                {"samples": torch.from_numpy(noise)})


class PhysreelStabilize:
    """physreel Stabilize: flicker removal for stylised frames of a render, by exact flow."""

    CATEGORY = CATEGORY
    FUNCTION = "stabilize"
    RETURN_TYPES = ("IMAGE",)
    RETURN_NAMES = ("images",)

    @classmethod
    def INPUT_TYPES(cls) -> dict:  # noqa: N802 - ComfyUI's name
        return {"required": {
            "images": ("IMAGE",),
            "render_dir": ("STRING", {"default": "renders/glass_drop"}),
            "camera": ("STRING", {"default": ""}),
            "start": ("INT", {"default": 0, "min": 0}),
            "alpha": ("FLOAT", {"default": 0.8, "min": 0.0, "max": 0.99, "step": 0.01}),
        }}

    def stabilize(self, images, render_dir: str, camera: str = "", start: int = 0, alpha: float = 0.8):
        from ..errors import ArgumentError
        from .flow import landing_taps_match
        from .stabilize import Stabilizer, backward_flow

        torch = _torch()
        fr = RenderFrames(render_dir, camera or None)
        fr.require(["depth", "segmentation"], "physreel Stabilize")
        arr = images.detach().cpu().numpy()
        n = arr.shape[0]
        if arr.shape[1:3] != (fr.height, fr.width) or start + n > fr.num_frames:
            raise ArgumentError(f"physreel Stabilize: {n} images of {arr.shape[2]}x{arr.shape[1]} do not fit frames "
                                f"{start}.. of the {fr.width}x{fr.height}, {fr.num_frames}-frame render")
        seg = fr.array("segmentation")
        st = Stabilizer(alpha)
        out = np.empty_like(arr)
        for i in range(n):
            t = start + i
            styled = np.clip(arr[i, ..., :3] * 255 + 0.5, 0, 255).astype(np.uint8)
            if i == 0:
                res = st.step(styled)
            else:
                flow, occ = backward_flow(fr, t)
                res = st.step(styled, flow, ~occ & landing_taps_match(flow, np.asarray(seg[t]), np.asarray(seg[t - 1])))
            out[i, ..., :3] = res.astype(np.float32) / 255
        return (torch.from_numpy(out),)


NODE_CLASS_MAPPINGS = {"PhysreelLoadRender": LoadPhysreelRender, "PhysreelStabilize": PhysreelStabilize}
NODE_DISPLAY_NAME_MAPPINGS = {"PhysreelLoadRender": "Load physreel render", "PhysreelStabilize": "physreel Stabilize"}
