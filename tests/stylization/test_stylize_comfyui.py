"""ComfyUI nodes, called as plain classes (torch from the diffusers extra)."""

from __future__ import annotations

import numpy as np
import pytest

from physreel.stylization.comfyui import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS
from physreel.stylization.noise import warped_noise_array
from physreel.stylization.source import RenderFrames
from physreel.stylization.stabilize import stabilized_frames

torch = pytest.importorskip("torch", reason="ComfyUI nodes exchange torch tensors: pip install 'physreel[diffusers]'")


def test_node_declarations_are_what_comfyui_reads():
    assert set(NODE_DISPLAY_NAME_MAPPINGS) == set(NODE_CLASS_MAPPINGS)
    for cls in NODE_CLASS_MAPPINGS.values():
        spec = cls.INPUT_TYPES()
        assert "required" in spec and hasattr(cls, cls.FUNCTION)
        assert len(cls.RETURN_TYPES) == len(cls.RETURN_NAMES)
    assert NODE_CLASS_MAPPINGS["PhysreelLoadRender"].RETURN_TYPES == ("IMAGE", "IMAGE", "MASK", "LATENT")


def test_load_node_outputs_frames_control_mask_and_noise(render_dir):
    node = NODE_CLASS_MAPPINGS["PhysreelLoadRender"]()
    images, control, mask, latent = node.load(str(render_dir), control="depth", object="ball", start=2, frames=5,
                                              noise_channels=4, noise_seed=9)
    fr = RenderFrames(render_dir)
    assert images.shape == (5, 72, 96, 3) and images.dtype == torch.float32
    assert np.allclose(images[0].numpy() * 255, fr.rgb(2), atol=1e-3)
    assert control.shape == (5, 72, 96, 3) and 0 <= float(control.min()) and float(control.max()) <= 1
    assert (mask.numpy().astype(bool) == (np.asarray(fr.array("segmentation")[2:7]) == 2)).all()
    assert latent["samples"].shape == (5, 4, 9, 12)
    assert np.array_equal(latent["samples"].numpy(),
                          warped_noise_array(render_dir, channels=4, downscale=8, seed=9, frames=range(2, 7)))
    with pytest.raises(Exception, match="no object 'cat'"):
        node.load(str(render_dir), object="cat")


def test_stabilize_node_matches_the_library(render_dir, flicker):
    fr = RenderFrames(render_dir)
    flicker.prepare(fr)
    raw = np.stack([flicker(fr.bundle(t, flicker.needs)) for t in range(fr.num_frames)])
    (out,) = NODE_CLASS_MAPPINGS["PhysreelStabilize"]().stabilize(torch.from_numpy(raw.astype(np.float32) / 255),
                                                                   str(render_dir), alpha=0.8)
    expected = np.stack([img for _, img in stabilized_frames(fr, flicker, alpha=0.8)])
    assert np.abs(out.numpy() * 255 - expected).max() <= 1.0
    with pytest.raises(Exception, match="do not fit"):
        NODE_CLASS_MAPPINGS["PhysreelStabilize"]().stabilize(torch.zeros(3, 10, 10, 3), str(render_dir))
