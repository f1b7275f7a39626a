"""Shared test helpers: tiny renders, reading their metadata."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("PHYSREEL_GL", "egl")

ROOT = Path(__file__).resolve().parents[1]
SCENES = ROOT / "scenes"
#: Meshes the tests read (tests read only the repository: `assets/`, `tests/data/`).
ASSETS = ROOT / "assets"


def scene_dict(objects, **top):
    """A scene dict with a tiny default resolution for tests."""
    base = {"name": "t", "duration": 1.0, "fps": 24, "resolution": [64, 48], "objects": objects}
    base.update(top)
    return base


@pytest.fixture
def render_meta(tmp_path):
    """Render a scene dict (simulation + tiny render) and return its metadata dict."""
    from physreel import load_scene, write

    def run(data, **kw):
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        write(load_scene(data), out, **kw)
        return json.loads((out / "metadata.json").read_text()), out

    return run
