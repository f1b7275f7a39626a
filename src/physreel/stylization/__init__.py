"""Stylization: from physically right frames to a finished look, without flicker.

    import physreel
    physreel.stylize("renders/glass_drop", "toon")                    # -> main/stylized/toon.mp4
    physreel.stylize("renders/glass_drop", my_fn, stabilize=True)     # any (bundle) -> image
    res = physreel.stylization.flow_between("renders/glass_drop", 10, 3)  # exact flow 10 -> 3

``stylize`` reads a render folder (or a frame stream), never the simulation.  Parts:

- :mod:`.registry` the stylizer protocol and registry (entry points ``physreel.stylizers``)
- :mod:`.source` one camera of a render folder, frame by frame
- :mod:`.flow` exact flow / occlusion / warp-safety between any two frames
- :mod:`.stabilize` the recurrent and key-frame stabilisers
- :mod:`.noise` flow-warped Gaussian noise for noise-warping video models
- :mod:`.toon`, :mod:`.lineart` built-in stylizers; :mod:`.opencv`, :mod:`.onnx` optional ones
- :mod:`.diffusion` adapters to diffusers pipelines, :mod:`.comfyui` ComfyUI nodes (extras)
"""

from __future__ import annotations

from .flow import flow_between, landing_taps_match, occlusion_between, warp_safe_between
from .registry import ENTRY_POINT_GROUP, Stylizer, StylizerEntry, entries, lookup, register, resolve
from .run import StylizeResult, stylize
from .source import RenderFrames
from .stabilize import Stabilizer, keyframe_frames, stabilized_frames

__all__ = [
    "ENTRY_POINT_GROUP", "RenderFrames", "StylizeResult", "Stabilizer", "Stylizer", "StylizerEntry",
    "entries", "flow_between", "keyframe_frames", "landing_taps_match", "lookup", "occlusion_between",
    "register", "resolve", "stabilized_frames", "stylize", "warp_safe_between", "warped_noise",
]


def __getattr__(name: str):
    if name == "warped_noise":  # numpy only, but keep `import physreel.stylization` lean
        from .noise import warped_noise

        return warped_noise
    raise AttributeError(f"module 'physreel.stylization' has no attribute {name!r}")
