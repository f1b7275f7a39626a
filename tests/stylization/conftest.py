"""A small render shared by the stylize tests: a ball thrown past a box, the camera orbiting.

Rendered once per session (96x72, 24 frames at 24 fps) with every pass the stylizers and the
stabiliser read.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

SCENE = {
    "name": "stylize_test", "duration": 1.0, "fps": 24, "resolution": [96, 72], "seed": 3,
    "objects": [
        {"name": "ball", "shape": {"type": "sphere", "radius": 0.25}, "material": "rubber",
         "position": [-0.9, 0, 0.9], "velocity": [2.2, 0, 0.8]},
        {"name": "box", "shape": {"type": "box", "size": [0.45, 0.45, 0.45]}, "material": "wood",
         "position": [0.3, 0.5, 0.23], "rotation": [0, 0, 30]},
    ],
    "cameras": [{"position": [0.4, -3.0, 1.3], "look_at": [0, 0, 0.4], "fov": 50,
                 "motion": [{"type": "orbit", "degrees": 12}]}],
    "render": {"passes": ["rgb", "depth", "segmentation", "normals", "flow_backward",
                          "occlusion_backward"],
               "control": ["depth"]},
}


@pytest.fixture(scope="session")
def render_dir(tmp_path_factory):
    """Path of the shared render folder (do not write into it: use ``fresh_render``)."""
    from physreel import load_scene, write

    out = tmp_path_factory.mktemp("stylize") / "render"
    write(load_scene(SCENE), out)
    return out


@pytest.fixture
def fresh_render(render_dir, tmp_path):
    """A private copy of the shared render folder, for tests that write into it."""
    dst = tmp_path / "render"
    shutil.copytree(render_dir, dst)
    return dst


class Flicker:
    """A per-frame stylizer with strong flicker: ``toon`` plus a random gain and per-pixel
    noise drawn anew every frame (seeded by the frame index, so runs are repeatable)."""

    name = "flicker"

    def __init__(self, gain: float = 0.25, noise: float = 20.0):
        from physreel.stylization.toon import Toon

        self.toon = Toon()
        self.needs = self.toon.needs
        self.gain, self.noise = gain, noise

    def prepare(self, frames) -> None:
        self.toon.prepare(frames)

    def clean(self, bundle) -> np.ndarray:
        return self.toon(bundle)

    def __call__(self, bundle) -> np.ndarray:
        rng = np.random.default_rng(1000 + bundle.frame)
        base = self.toon(bundle).astype(np.float32)
        g = 1.0 + self.gain * rng.uniform(-1, 1)
        img = base * g + rng.normal(0, self.noise, base.shape)
        return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture
def flicker():
    return Flicker()


@pytest.fixture
def stylize_scene():
    """A deep copy of the shared scene dict (to render variants of it)."""
    import copy

    return copy.deepcopy(SCENE)
