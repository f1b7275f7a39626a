"""Storage of the passes: the compact 16-bit PNGs (default) and the float .npy arrays
(``storage="npy"``) read back as the same arrays, within the bound each manifest entry states,
and the PNGs decode by the manifest's rule without physreel."""

from __future__ import annotations

import json

import numpy as np
import pytest

import physreel
from conftest import scene_dict
from physreel.passes.quantize import (
    RangeAccumulator,
    clip_range,
    decode_range,
    decode_units,
    encode_range,
    encode_units,
    units_for,
)

ARRAYS = ["depth", "segmentation", "normals", "flow_forward", "flow_backward", "occlusion_forward",
          "occlusion_backward"]


# ------------------------------------------------------------------------------ the encodings


def test_units_round_trip_within_half_a_unit_and_keep_background_and_tiny_depths():
    rng = np.random.default_rng(0)
    d = rng.uniform(0.01, 60.0, (40, 30)).astype(np.float32)
    d[:5] = 0.0  # background
    d[5, :3] = [1e-4, 4e-4, 6e-4]  # foreground under half a millimetre is not background
    unit = units_for(float(d.max()), 0.001)
    assert unit == 0.001
    v = encode_units(d, unit)
    back = decode_units(v, unit)
    assert (v[:5] == 0).all() and (back[:5] == 0).all()
    assert v[5, 0] == 1 and v[5, 1] == 1 and v[5, 2] == 1
    assert np.abs(back[6:] - d[6:]).max() <= unit / 2 + float(d.max()) * 2.0**-23


@pytest.mark.parametrize("far, expected", [(65.5, 0.001), (65.536, 0.002), (120.0, 0.002), (200.0, 0.004)])
def test_the_unit_is_the_smallest_whole_millimetre_count_that_fits(far, expected):
    unit = units_for(far, 0.001)
    assert unit == pytest.approx(expected)
    assert far / unit <= 65535 and (expected == 0.001 or far / (unit - 0.001) > 65535)
    assert encode_units(np.array([[far]]), unit)[0, 0] == round(far / unit)


def test_range_encoding_is_within_half_a_step_and_zero_is_exact():
    rng = np.random.default_rng(1)
    f = rng.normal(0, 7, (3, 20, 24, 2)).astype(np.float32)
    f[:, :4] = 0.0  # what does not move, and the last frame, have exactly zero flow
    f[0, 10, 10] = [0.0, 3.0]  # a zero in one channel only stays zero in that channel
    acc = RangeAccumulator()
    for fr in f:
        acc.update(fr)
    enc = clip_range(*acc.result(2))
    for c in range(2):
        vals = f[..., c][f[..., c] != 0]
        assert enc["lo"][c] == vals.min() and enc["hi"][c] == vals.max()
    for fr in f:
        png = encode_range(fr, enc["lo"], enc["hi"])
        assert png.shape == (2 * 20, 24) and png.dtype == np.uint16
        back = decode_range(png, enc["lo"], enc["hi"])
        assert back.shape == fr.shape and back.dtype == np.float32
        assert ((back == 0) == (fr == 0)).all()
        assert (np.abs(back - fr).reshape(-1, 2).max(0) <= np.array(enc["max_error"])).all()
    # plane c of the PNG is channel c (the decode rule the manifest states)
    png = encode_range(f[0], enc["lo"], enc["hi"]).astype(np.float64)
    x = enc["lo"][1] + (png[20:] - 1) * enc["step"][1]
    assert np.allclose(np.where(png[20:] == 0, 0, x), f[0, ..., 1], atol=enc["max_error"][1])


@pytest.mark.parametrize("moving", [0.0, 0.02, 0.3, 0.7, 1.0])
def test_range_encoding_of_mostly_still_frames_gives_the_codes_of_the_formula(moving):
    # frames that are mostly exact zeros take a shortcut (only the others are encoded): the
    # codes must be the documented formula's, pixel for pixel, on either path
    rng = np.random.default_rng(3)
    f = rng.normal(0, 4, (30, 40, 2)).astype(np.float32)
    f[rng.random((30, 40)) >= moving] = 0.0
    f[0, 0] = [0.0, 1.5]
    lo, hi = [-15.0, -14.0], [16.0, 15.0]
    png = encode_range(f, lo, hi).reshape(2, 30, 40)
    for c in range(2):
        x = f[..., c].astype(np.float64)
        step = (hi[c] - lo[c]) / 65534
        want = np.where(x == 0, 0, 1 + np.clip(np.rint((x - lo[c]) * (65534 / (hi[c] - lo[c]))), 0, 65534))
        assert np.array_equal(png[c], want.astype(np.uint16)), c
        assert np.abs(np.where(png[c] == 0, 0, lo[c] + (png[c] - 1.0) * step) - x).max() <= step / 2 + 1e-9


def test_range_of_a_channel_that_is_always_zero_or_constant():
    f = np.zeros((4, 5, 3), np.float32)
    f[..., 1] = 0.25
    acc = RangeAccumulator()
    acc.update(f)
    enc = clip_range(*acc.result(3))
    assert enc["lo"] == [0.0, 0.25, 0.0] and enc["hi"] == [0.0, 0.25, 0.0]
    back = decode_range(encode_range(f, enc["lo"], enc["hi"]), enc["lo"], enc["hi"])
    assert np.array_equal(back, f)


# ------------------------------------------------------------------------ written and read


def _scene(**kw):
    """A ball thrown past a box under a panning camera: every array pass has content."""
    kw = {"duration": 0.5, "fps": 12, "resolution": [64, 48], **kw}
    return scene_dict(
        [{"name": "ball", "shape": {"type": "sphere", "radius": 0.3}, "position": [-0.7, 0, 0.8],
          "velocity": [2.0, 0, 0.5]},
         {"name": "box", "shape": {"type": "box", "size": [0.4, 0.4, 0.4]}, "position": [0.5, 0.3, 0.2],
          "rotation": [0, 0, 25]}],
        cameras=[{"position": [0, -3.2, 1.3], "look_at": [0, 0, 0.5], "fov": 50,
                  "motion": [{"type": "pan", "degrees": 5}]}], **kw)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The same scene written with the compact storage and with storage="npy"."""
    root = tmp_path_factory.mktemp("storage")
    data = _scene()
    physreel.write(data, root / "compact", passes=["rgb", *ARRAYS], controls=["depth", "normal", "edges"])
    physreel.write(data, root / "npy", passes=["rgb", *ARRAYS], controls=["depth", "normal", "edges"], storage="npy")
    return root / "compact", root / "npy"


def test_compact_and_npy_read_back_as_the_same_arrays_within_the_stated_error(both):
    compact, npy = (physreel.load(p).cameras["main"] for p in both)
    assert compact.manifest["storage"] == "compact" and npy.manifest["storage"] == "npy"
    for name in ARRAYS:
        a, b = compact.read(name), np.asarray(npy.read(name))
        assert a.shape == b.shape and a.dtype == b.dtype, name
        err = np.asarray(compact.manifest["passes"][name]["max_error"], dtype=np.float64)
        diff = np.abs(a.astype(np.float64) - b)
        diff = diff.reshape(-1, a.shape[-1]).max(0) if a.ndim == 4 else diff.max()
        assert (diff <= err).all(), (name, diff, err)
        assert npy.manifest["passes"][name]["max_error"] == 0
        if name in ("segmentation", "occlusion_forward", "occlusion_backward"):
            assert np.array_equal(a, b) and compact.manifest["passes"][name]["max_error"] == 0
    # the bounds are the encodings' own: half a millimetre, half a step of each channel's range
    depth = compact.manifest["passes"]["depth"]
    assert depth["files"][0]["unit"] == 0.001 and depth["max_error"] < 0.0005 + 1e-5
    flow = compact.manifest["passes"]["flow_forward"]["files"][0]
    half_step = (flow["hi"][0] - flow["lo"][0]) / 65534 / 2  # plus float32 rounding of the result
    assert flow["max_error"][0] == pytest.approx(half_step + max(-flow["lo"][0], flow["hi"][0]) * 2.0**-23)
    # content: the ball moves (non-zero flow) and the last frame's forward flow is exactly 0
    fl = compact.read("flow_forward")
    assert np.abs(fl[:-1]).max() > 1.0 and (fl[-1] == 0).all() and compact.read("occlusion_forward")[-1].all()


def test_controls_and_previews_do_not_depend_on_the_storage(both):
    """Controls and previews are made from the exact values in either storage (a buffered
    encoding keeps them until the previews are written)."""
    compact, npy = both
    a, b = (physreel.load(p).cameras["main"] for p in both)
    for kind in ("depth", "normal", "edges"):
        assert np.array_equal(a.read_control(kind), b.read_control(kind)), kind
    for name in ("depth", "normals", "flow_forward"):
        assert (compact / "main" / f"{name}.mp4").read_bytes() == (npy / "main" / f"{name}.mp4").read_bytes(), name


def test_only_the_chosen_storage_is_written_and_compact_is_much_smaller(both):
    compact, npy = both
    names = {p.relative_to(compact).as_posix() for p in compact.rglob("*") if p.is_file()}
    assert not any(n.endswith(".npy") for n in names)
    assert {"main/depth_mm/00000.png", "main/normals/00005.png", "main/flow_forward/00003.png",
            "main/occlusion_backward/00000.png", "main/segmentation/00000.png"} <= names
    assert not any(n.startswith("main/") and "/." in n for n in names)  # no temporary buffers left
    npy_names = {p.relative_to(npy).as_posix() for p in npy.rglob("*") if p.is_file()}
    assert {f"main/{n}.npy" for n in ARRAYS} <= npy_names
    assert not any(n.endswith(".png") and "/" in n[5:] and not n.startswith("main/control/") for n in npy_names)

    def size(folder):
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

    assert size(compact) * 4 < size(npy)


def test_the_pngs_decode_by_the_manifests_rule_without_physreel(both):
    from PIL import Image

    compact, npy = both
    man = json.loads((compact / "main" / "manifest.json").read_text())
    ref = physreel.load(npy).cameras["main"]
    t = 3

    def png(pattern):
        with Image.open(compact / "main" / pattern.format(frame=t)) as im:
            return np.array(im)

    d = man["passes"]["depth"]["files"][0]
    assert d["decode"].startswith("metres = value * unit")
    assert np.abs(png(d["pattern"]) * d["unit"] - ref.read("depth")[t]).max() <= d["max_error"]
    n = man["passes"]["normals"]["files"][0]
    v = png(n["pattern"]).astype(np.float64).reshape(3, 48, 64)  # channel planes stacked vertically
    lo, step = np.array(n["lo"])[:, None, None], np.array(n["step"])[:, None, None]
    normals = np.moveaxis(np.where(v == 0, 0, lo + (v - 1) * step), 0, -1)
    assert (np.abs(normals - ref.read("normals")[t]).reshape(-1, 3).max(0) <= np.array(n["max_error"])).all()
    o = man["passes"]["occlusion_forward"]["files"][0]
    assert np.array_equal(png(o["pattern"]).astype(bool), ref.read("occlusion_forward")[t])


def test_frames_and_sequence_give_what_read_gives(both):
    cam = physreel.load(both[0]).cameras["main"]
    for name in ("depth", "flow_backward", "occlusion_backward"):
        whole = cam.read(name)
        frames = list(cam.frames(name))
        seq = cam.sequence(name)
        assert len(frames) == len(seq) == len(whole) == 6
        assert all(np.array_equal(f, w) for f, w in zip(frames, whole, strict=True))
        assert np.array_equal(seq[2], whole[2]) and np.array_equal(seq[-1], whole[-1])
        assert np.array_equal(seq[1:4], whole[1:4]) and np.array_equal(np.asarray(seq), whole)
        assert seq.shape == whole.shape and seq.dtype == whole.dtype
    with pytest.raises(IndexError):
        cam.sequence("depth")[6]


def test_the_scene_file_chooses_the_storage_and_a_bad_value_is_a_scene_error(tmp_path):
    out = tmp_path / "o"
    physreel.write(_scene(render={"storage": "npy"}, duration=0.25), out, passes=["depth"])
    assert (out / "main" / "depth.npy").is_file() and not (out / "main" / "depth_mm").exists()
    from physreel.errors import ArgumentError, SceneError

    with pytest.raises(SceneError, match="render.storage"):
        physreel.load_scene_data(_scene(render={"storage": "png"}))
    with pytest.raises(ArgumentError, match="storage must be 'compact' or 'npy'"):
        physreel.write(_scene(), tmp_path / "x", storage="float")
    assert not (tmp_path / "x").exists()


def test_render_cli_takes_the_storage(tmp_path):
    from click.testing import CliRunner

    from physreel.cli import main

    scene = tmp_path / "s.json"
    scene.write_text(json.dumps(_scene(duration=0.25)))
    for storage, present, absent in (("npy", "depth.npy", "depth_mm"), ("compact", "depth_mm", "depth.npy")):
        out = tmp_path / storage
        r = CliRunner().invoke(main, ["render", str(scene), "-o", str(out), "--passes", "depth",
                                      "--storage", storage])
        assert r.exit_code == 0, r.output
        assert (out / "main" / present).exists() and not (out / "main" / absent).exists()
    r = CliRunner().invoke(main, ["render", str(scene), "-o", str(tmp_path / "x"), "--storage", "float"])
    assert r.exit_code == 2 and not (tmp_path / "x").exists()


def test_finishing_jobs_run_side_by_side_keep_their_order_and_raise_the_first_failure():
    import threading
    import time

    from physreel.outputs.camera_writer import parallel

    seen = []

    def job(i, fail=False):
        def run():
            time.sleep(0.02 * (4 - i))  # later jobs end first
            seen.append(threading.current_thread().name)
            if fail:
                raise ValueError(f"job {i}")
            return i * i
        return run

    assert parallel([job(i) for i in range(4)]) == [0, 1, 4, 9]
    seen.clear()
    with pytest.raises(ValueError, match="job 1"):
        parallel([job(0), job(1, True), job(2, True), job(3)])
    assert len(seen) == 4  # every job ran to its end before the failure was raised
    assert parallel([]) == []
