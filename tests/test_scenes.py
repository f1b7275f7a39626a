"""Every example scene validates and renders (small size, short)."""

from __future__ import annotations

import json

import imageio.v3 as iio
import numpy as np
import pytest

from conftest import SCENES

SCENE_FILES = sorted(p for p in SCENES.glob("*.yaml"))


@pytest.mark.parametrize("path", SCENE_FILES, ids=[p.stem for p in SCENE_FILES])
def test_example_scene_renders(tmp_path, path):
    from physreel import load_scene, with_overrides, write

    sc = load_scene(path)
    small = with_overrides(sc, resolution=[96, 64], duration=min(sc.duration, 1.0), fps=12)
    out = tmp_path / path.stem
    write(small, out)
    meta = json.loads((out / "metadata.json").read_text())
    for cam in meta["cameras"]:
        frames = iio.imread(out / cam / "rgb.mp4")
        assert frames.shape[0] == meta["num_frames"]
        assert frames.std() > 5, "a flat frame: nothing visible"
    for name, obj in meta["objects"].items():
        assert np.isfinite(np.array(obj["position"])).all(), name
