"""Headless GL backends: EGL (default) and the OSMesa fallback give the same frames."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import SCENES


def _render(tmp_path, backend):
    out = tmp_path / backend
    env = {**os.environ, "PHYSREEL_GL": backend}
    env.pop("PYOPENGL_PLATFORM", None)
    proc = subprocess.run([sys.executable, "-m", "physreel.cli", "render", str(SCENES / "calibration.yaml"), "-o", str(out),
                           "--resolution", "64x48", "--duration", "0.25", "--passes", "rgb,depth,segmentation"],
                          capture_output=True, text=True, env=env, timeout=300)
    return proc, out


@pytest.mark.slow
@pytest.mark.skipif(ctypes.util.find_library("OSMesa") is None, reason="OSMesa not installed (apt-get install libosmesa6)")
def test_osmesa_fallback_renders_the_same_frames_as_egl(tmp_path):
    import physreel

    egl, out_egl = _render(tmp_path, "egl")
    osm, out_osm = _render(tmp_path, "osmesa")
    assert egl.returncode == 0 and osm.returncode == 0, egl.stderr + osm.stderr
    a, b = physreel.load(out_egl).cameras["main"], physreel.load(out_osm).cameras["main"]
    assert np.array_equal(a.read("segmentation"), b.read("segmentation"))
    assert np.abs(a.read("depth") - b.read("depth")).max() < 1e-4
    assert (a.read("segmentation") > 0).any()


def test_unknown_gl_backend_is_a_clear_error(tmp_path):
    proc, out = _render(tmp_path, "vulkan")
    assert proc.returncode == 1
    assert "PHYSREEL_GL must be 'egl' or 'osmesa'" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
