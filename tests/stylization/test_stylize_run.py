"""physreel.stylize() and `physreel stylize`: files, manifest, safety, registry, CLI."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap

import imageio.v3 as iio
import numpy as np
import pytest
from click.testing import CliRunner

import physreel
from physreel.cli import main
from physreel.errors import ArgumentError, InputError, RenderError
from physreel.stylization import registry
from physreel.stylization.source import RenderFrames


def _manifest(render, cam="main"):
    return json.loads((render / cam / "manifest.json").read_text())


def test_stylize_writes_video_pngs_and_manifest(fresh_render):
    res = physreel.stylize(fresh_render, "toon", stabilize=True, frames_png=True)
    video = fresh_render / "main" / "stylized" / "toon.mp4"
    assert res.videos == {"main": video} and res.num_frames == 24 and res.mode == "recurrent"
    frames = iio.imread(video)
    assert frames.shape == (24, 72, 96, 3)
    entry = _manifest(fresh_render)["stylized"]["toon"]
    assert entry["sha256"] == hashlib.sha256(video.read_bytes()).hexdigest()
    assert entry["stabilize"] == {"mode": "recurrent", "alpha": 0.8}
    assert entry["shape"] == [24, 72, 96, 3] and entry["frames_png"] == "stylized/toon/{frame:05d}.png"
    pngs = sorted((fresh_render / "main" / "stylized" / "toon").glob("*.png"))
    assert len(pngs) == 24
    # the PNGs are exactly what the stabiliser produced; the video is their lossy encoding
    from physreel.stylization.stabilize import stabilized_frames
    from physreel.stylization.toon import Toon

    fr = RenderFrames(fresh_render)
    toon = Toon()
    toon.prepare(fr)
    expected = dict(stabilized_frames(fr, toon))
    assert all((iio.imread(pngs[t]) == expected[t]).all() for t in (0, 11, 23))
    assert np.abs(frames.astype(float) - np.stack([expected[t] for t in range(24)])).mean() < 6
    # the passes physreel rendered are untouched; no temporary files are left
    assert sorted(p.name for p in (fresh_render / "main" / "stylized").iterdir()) == ["toon", "toon.mp4"]
    assert "passes" in _manifest(fresh_render)


def test_same_input_same_bytes_and_rerun_replaces_our_own_file(fresh_render):
    physreel.stylize(fresh_render, "lineart", stabilize=False)
    first = (fresh_render / "main" / "stylized" / "lineart.mp4").read_bytes()
    physreel.stylize(fresh_render, "lineart", stabilize=False, frames_png=True)
    assert (fresh_render / "main" / "stylized" / "lineart.mp4").read_bytes() == first
    # a later run without PNGs removes our own PNGs of the earlier one (they would be stale)
    physreel.stylize(fresh_render, "lineart", stabilize=True)
    assert not (fresh_render / "main" / "stylized" / "lineart").exists()
    assert _manifest(fresh_render)["stylized"]["lineart"]["frames_png"] is None


def test_never_overwrites_a_file_physreel_did_not_write(fresh_render):
    dest = fresh_render / "main" / "stylized"
    dest.mkdir()
    (dest / "toon.mp4").write_bytes(b"my own video")
    with pytest.raises(InputError, match="not written by physreel"):
        physreel.stylize(fresh_render, "toon", stabilize=False)
    assert (dest / "toon.mp4").read_bytes() == b"my own video"
    # a file we wrote but the user changed afterwards is theirs now
    physreel.stylize(fresh_render, "lineart", stabilize=False)
    (dest / "lineart.mp4").write_bytes(b"edited")
    with pytest.raises(InputError, match="changed since"):
        physreel.stylize(fresh_render, "lineart", stabilize=False)
    assert (dest / "lineart.mp4").read_bytes() == b"edited"


def test_a_failing_stylizer_leaves_nothing_behind(fresh_render):
    before = _manifest(fresh_render)

    def broken(bundle):
        if bundle.frame == 5:
            raise ValueError("model ran out of memory")
        return bundle["rgb"]

    with pytest.raises(RenderError, match="model ran out of memory"):
        physreel.stylize(fresh_render, broken, stabilize=False, frames_png=True)
    dest = fresh_render / "main" / "stylized"
    assert not dest.exists() or not any(dest.iterdir())
    assert _manifest(fresh_render) == before


def test_out_folder_and_plain_callables(fresh_render, tmp_path):
    def sepia(bundle):
        g = bundle["rgb"].astype(np.float32) @ np.array([0.3, 0.59, 0.11], np.float32)
        return np.clip(np.stack([g * 1.07, g * 0.74, g * 0.43], -1), 0, 255).astype(np.uint8)

    out = tmp_path / "styled"
    res = physreel.stylize(fresh_render, sepia, stabilize=False, out=out)
    assert res.name == "sepia" and (out / "main" / "stylized" / "sepia.mp4").is_file()
    m = json.loads((out / "main" / "manifest.json").read_text())
    assert m["source"] == str(fresh_render) and "sepia" in m["stylized"]
    assert "stylized" not in _manifest(fresh_render)
    # a manifest.json that physreel did not write is left alone
    other = tmp_path / "other"
    (other / "main").mkdir(parents=True)
    (other / "main" / "manifest.json").write_text('{"mine": 1}')
    with pytest.raises(InputError, match="not written by physreel"):
        physreel.stylize(fresh_render, sepia, stabilize=False, out=other)

    class Named:
        name = "inverted"

        def __call__(self, bundle):
            return 255 - bundle["rgb"]

    assert physreel.stylize(fresh_render, Named(), stabilize=False, out=out).name == "inverted"


def test_bad_stylizer_output_and_unknown_style(fresh_render):
    def red_only(bundle):
        return bundle["rgb"][..., 0]

    with pytest.raises(InputError, match=r"'red_only' returned uint8 \(72, 96\).*must return an \(72, 96, 3\) uint8"):
        physreel.stylize(fresh_render, red_only, stabilize=False)
    with pytest.raises(ArgumentError, match="cannot name a file; give the stylizer a `name`"):
        physreel.stylize(fresh_render, lambda b: b["rgb"], stabilize=False)
    with pytest.raises(ArgumentError, match="did you mean 'toon'"):
        physreel.stylize(fresh_render, "tooon")
    with pytest.raises(ArgumentError, match="bad options"):
        physreel.stylize(fresh_render, "toon", options={"colour": 3})


def test_entry_point_stylizers_are_found(tmp_path, monkeypatch, fresh_render):
    """A third-party package registers a stylizer through the `physreel.stylizers` group."""
    pkg = tmp_path / "site"
    (pkg / "tealstyle").mkdir(parents=True)
    (pkg / "tealstyle" / "__init__.py").write_text(textwrap.dedent("""
        import numpy as np

        class Teal:
            needs = ("rgb",)
            def __init__(self, strength=1.0):
                self.strength = strength
            def __call__(self, bundle):
                out = bundle["rgb"].copy()
                out[..., 0] = 0
                return out
    """))
    dist = pkg / "tealstyle-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tealstyle\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[physreel.stylizers]\nteal = tealstyle:Teal\n")
    monkeypatch.syspath_prepend(str(pkg))
    monkeypatch.setattr(registry, "_entry_points_loaded", False)
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    assert "teal" in registry.entries()
    res = physreel.stylize(fresh_render, "teal", stabilize=False, options={"strength": 0.5}, frames_png=True)
    img = iio.imread(fresh_render / "main" / "stylized" / "teal" / "00003.png")
    assert res.name == "teal" and (img[..., 0] == 0).all() and img[..., 1:].any()


def test_cli_stylize(fresh_render, tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["stylize", str(fresh_render), "--style", "toon", "--stabilize", "--option", "bands=4"])
    assert r.exit_code == 0, r.output
    assert "toon.mp4: 24 frames stylised (recurrent)" in r.output
    r = runner.invoke(main, ["stylize", str(fresh_render), "--style", "toon", "--keyframes", "8", "-o", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "o" / "main" / "stylized" / "toon.mp4").is_file()
    r = runner.invoke(main, ["stylize", str(fresh_render), "--style", "lineartt"])
    assert r.exit_code == 2 and "did you mean 'lineart'" in r.output and "Traceback" not in r.output
    r = runner.invoke(main, ["stylize", str(fresh_render), "--style", "toon", "--option", "bands"])
    assert r.exit_code == 2 and "KEY=VALUE" in r.output
    r = runner.invoke(main, ["stylize", "--help"])
    assert r.exit_code == 0 and "toon:" in r.output and "lineart:" in r.output and "cv-pencil" in r.output


def test_cli_missing_passes_exit_2(tmp_path, stylize_scene):
    from physreel import load_scene, write

    write(load_scene(dict(stylize_scene, duration=0.25, render={"passes": ["rgb"]})), tmp_path / "r")
    r = subprocess.run([sys.executable, "-m", "physreel.cli", "stylize", str(tmp_path / "r"), "--style", "toon"],
                       capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    assert "--passes" in r.stderr and "normals" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "r" / "main" / "stylized" / "toon.mp4").exists()
    r = subprocess.run([sys.executable, "-m", "physreel.cli", "stylize", str(tmp_path / "nope"), "--style", "toon"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "not a physreel render" in r.stderr
