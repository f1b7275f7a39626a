"""Datasets at scale: the batch options, the exports read back with the libraries their users
use (``webdataset``, ``datasets``) and by their documented layout, clips conformed to a video
model or refused, and the dataset card."""

from __future__ import annotations

import io
import json
import re
import tarfile
import textwrap
from pathlib import Path

import numpy as np
import pytest

import physreel
from physreel.batch.export import export
from physreel.batch.runner import FilterConfig, run_batch
from physreel.errors import ArgumentError

ROOT = Path(__file__).resolve().parents[1]

TEMPLATE = """
template:
  description: Two balls and a box thrown onto a floor (a test template).
  interest: ["obj_*"]
name: export_test
duration: 2.0
fps: 24
resolution: [256, 256]
cameras:
  - {name: main, position: [0, -3.2, 1.4], look_at: [0, 0, 0.4], fov: {uniform: [45, 55]}}
objects:
  count: {randint: [2, 3]}
  names: "obj_{i}"
  pool:
    - weight: 2
      object:
        shape: {type: sphere, radius: {uniform: [0.15, 0.25]}}
        position: [{uniform: [-0.6, 0.6]}, {uniform: [-0.3, 0.3]}, {uniform: [0.5, 1.0]}]
        velocity: [{uniform: [-1, 1]}, 0, 0]
        material: {choice: [rubber, wood]}
    - shape: {type: box, size: [0.3, 0.3, 0.3]}
      position: [{uniform: [-0.6, 0.6]}, {uniform: [-0.3, 0.3]}, {uniform: [0.5, 1.0]}]
      material: wood
"""
PASSES = ("rgb", "depth", "segmentation", "normals", "flow_forward")  # canonical order
OPTIONS = {"resolution": [64, 48], "fps": 12, "duration": 0.5}


@pytest.fixture(scope="module")
def real_batch(tmp_path_factory):
    """Two samples rendered for real with the batch options (64x48, 6 frames at 12 fps), five
    passes and the depth control."""
    root = tmp_path_factory.mktemp("export")
    tpl = root / "t.yaml"
    tpl.write_text(textwrap.dedent(TEMPLATE))
    res = run_batch(tpl, root / "batch", 2, workers=0, seed=5, passes=PASSES, controls=("depth",),
                    overrides=OPTIONS)
    assert res.complete == 2, (root / "batch" / "failures.jsonl").read_text() if res.failed else ""
    return root / "batch"


# ------------------------------------------------------------------------------ batch options


def test_batch_options_reach_every_sample_and_a_resume_must_repeat_them(real_batch, tmp_path):
    for k in range(2):
        sample = real_batch / "samples" / f"{k:06d}"
        meta = json.loads((sample / "metadata.json").read_text())
        assert meta["resolution"] == [64, 48] and meta["fps"] == 12 and meta["num_frames"] == 6
        man = json.loads((sample / "main" / "manifest.json").read_text())
        assert list(man["passes"]) == list(PASSES) and list(man["control"]) == ["depth"]
        assert man["storage"] == "compact"
    batch = json.loads((real_batch / "batch.json").read_text())
    assert batch["controls"] == ["depth"] and batch["overrides"] == OPTIONS
    with pytest.raises(ArgumentError, match="different options.*--resolution 64x48 --fps 12 --duration 0.5"):
        run_batch(real_batch.parent / "t.yaml", real_batch, 2, workers=0, seed=5, passes=PASSES,
                  controls=("depth",), overrides={"fps": 24})


def test_presets_and_storage_through_the_cli_and_bad_options_blame_their_flag(tmp_path):
    from click.testing import CliRunner

    from physreel.batch.options import apply_overrides, make_overrides
    from physreel.cli_batch import batch

    o = make_overrides(preset="cogvideox")
    assert apply_overrides({"fps": 24, "resolution": [256, 256]}, o) == {"fps": 8, "duration": 49 / 8,
                                                                        "resolution": [720, 480]}
    # an explicit fps with a preset keeps the preset's frame count (as `render` does)
    s = apply_overrides({"fps": 24}, make_overrides(preset="animatediff", fps=12, storage="npy"))
    assert s["fps"] == 12 and round(s["duration"] * 12) == 16 and s["render"] == {"storage": "npy"}
    tpl = tmp_path / "t.yaml"
    tpl.write_text(textwrap.dedent(TEMPLATE))
    runner = CliRunner()
    for args, message in ((["--resolution", "65x48"], "--resolution: width and height must be even"),
                          (["--resolution", "64by48"], "--resolution: expected WIDTHxHEIGHT"),
                          (["--control", "dpeth"], "--control: unknown control 'dpeth' (did you mean 'depth'?)"),
                          (["--resolution", "8x8"], "--resolution [0]: input should be greater than or equal to 16")):
        out = tmp_path / "o"
        r = runner.invoke(batch, [str(tpl), "-n", "1", "-o", str(out), "-j", "0", *args])
        assert r.exit_code == 2 and message in r.output, (args, r.output)
        assert not out.exists()
    out = tmp_path / "npy"
    r = runner.invoke(batch, [str(tpl), "-n", "1", "-o", str(out), "-j", "0", "-p", "depth", "--storage", "npy",
                              "--resolution", "32x24", "--duration", "0.25", "--fps", "12", "--no-filters"])
    assert r.exit_code == 0, r.output
    cam = out / "samples" / "000000" / "main"
    assert (cam / "depth.npy").is_file() and np.load(cam / "depth.npy").shape == (3, 24, 32)


# ------------------------------------------------------------------------------ webdataset


def _decode_frames(tar_bytes: bytes, files_entry: dict) -> np.ndarray:
    """The documented decode of a ``.png16.tar`` member: frames NNNNN.png in order, decoded by
    the manifest's rule."""
    from PIL import Image

    frames = []
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as t:
        for m in sorted(t.getmembers(), key=lambda m: m.name):
            with Image.open(io.BytesIO(t.extractfile(m).read())) as im:
                v = np.array(im).astype(np.float64)
            if "unit" in files_entry:
                frames.append(v * files_entry["unit"])
            elif "lo" in files_entry:
                c = len(files_entry["lo"])
                planes = v.reshape(c, -1, v.shape[1])
                lo = np.array(files_entry["lo"])[:, None, None]
                step = np.array(files_entry["step"])[:, None, None]
                frames.append(np.moveaxis(np.where(planes == 0, 0, lo + (planes - 1) * step), 0, -1))
            else:
                frames.append(v)
    return np.stack(frames)


def _check_sample(real_batch: Path, key: str, members: dict[str, bytes]) -> None:
    """Every member of an exported sample is what the batch holds, and the pass frames decode
    (by the manifest's rule) to what physreel.load reads."""
    sample = real_batch / "samples" / key
    cam = physreel.load(sample).cameras["main"]
    assert members["mp4"] == (sample / "main" / "rgb.mp4").read_bytes()
    assert members["txt"].decode().strip() == (sample / "caption.txt").read_text().strip()
    assert json.loads(members["json"]) == json.loads((sample / "metadata.json").read_text())
    assert members["control_depth.mp4"] == (sample / "main" / "control" / "depth.mp4").read_bytes()
    assert members["preview_flow_forward.mp4"] == (sample / "main" / "flow_forward.mp4").read_bytes()
    manifest = json.loads(members["manifest.json"])
    for name, member in (("depth", "depth.png16.tar"), ("segmentation", "segmentation.png16.tar"),
                         ("flow_forward", "flow_forward.png16.tar"), ("normals", "normals.png16.tar")):
        got = _decode_frames(members[member], manifest["passes"][name]["files"][0])
        want = cam.read(name).astype(np.float64)
        assert got.shape == want.shape and np.abs(got - want).max() < 1e-6, name


def test_webdataset_round_trip_with_the_webdataset_library(real_batch, tmp_path):
    wds = pytest.importorskip("webdataset", reason="pip install webdataset (physreel[export])")
    dest = export(real_batch, "webdataset", tmp_path / "wds", include="depth,seg,flow_forward,normals,"
                  "control/depth,preview/flow_forward")
    samples = list(wds.WebDataset(str(dest / "shard-000000.tar"), shardshuffle=False))
    assert [s["__key__"] for s in samples] == ["000000", "000001"]
    for s in samples:
        assert set(s) - {"__key__", "__url__", "__local_path__"} == {
            "mp4", "txt", "json", "manifest.json", "depth.png16.tar", "segmentation.png16.tar",
            "flow_forward.png16.tar", "normals.png16.tar", "control_depth.mp4", "preview_flow_forward.mp4"}
        _check_sample(real_batch, s["__key__"], s)


def test_webdataset_layout_as_documented_and_the_same_bytes_twice(real_batch, tmp_path):
    include = "all,preview/flow_forward"
    a = export(real_batch, "webdataset", tmp_path / "a", include=include, shard_size=1)
    b = export(real_batch, "webdataset", tmp_path / "b", include=include, shard_size=1)
    shards = sorted(p.name for p in a.glob("*.tar"))
    assert shards == ["shard-000000.tar", "shard-000001.tar"]
    for name in shards:
        assert (a / name).read_bytes() == (b / name).read_bytes()
    with tarfile.open(a / "shard-000001.tar") as t:
        names = t.getnames()
        members = {n.split(".", 1)[1]: t.extractfile(n).read() for n in names}
    assert all(n.startswith("000001.") for n in names) and names[:3] == ["000001.mp4", "000001.txt", "000001.json"]
    _check_sample(real_batch, "000001", members)
    info = json.loads((a / "export.json").read_text())
    assert info["include"] == ["depth", "segmentation", "normals", "flow_forward", "control/depth",
                               "preview/flow_forward"]


# ------------------------------------------------------------------------------ hugging face


def test_hf_videofolder_round_trip_with_the_datasets_library(real_batch, tmp_path):
    datasets = pytest.importorskip("datasets", reason="pip install datasets (physreel[export])")
    dest = export(real_batch, "hf", tmp_path / "hf", include="depth,control/depth", license="cc-by-4.0")
    cache = str(tmp_path / "hf_cache")  # never the user's cache (it would answer for an older folder)
    for ds in (datasets.load_dataset("videofolder", data_dir=str(dest), split="train", cache_dir=cache),
               datasets.load_dataset(str(dest), split="train", cache_dir=cache)):  # the card's configs
        for col, feature in ds.features.items():
            if isinstance(feature, datasets.Video):  # paths, not decoded frames (no torchcodec needed)
                ds = ds.cast_column(col, datasets.Video(decode=False))
        assert ds.num_rows == 2
        assert {"video", "text", "control_depth", "depth", "manifest", "num_frames", "fps"} <= set(ds.column_names)
        for row in ds:
            key = f"{row['sample']:06d}"
            sample = real_batch / "samples" / key
            assert Path(row["video"]["path"]).read_bytes() == (sample / "main" / "rgb.mp4").read_bytes()
            assert Path(row["control_depth"]["path"]).read_bytes() == \
                (sample / "main" / "control" / "depth.mp4").read_bytes()
            assert row["text"] == (sample / "caption.txt").read_text().strip() and row["num_frames"] == 6
            manifest = json.loads((dest / row["manifest"]).read_text())
            frames = sorted((dest / row["depth"]).glob("*.png"))
            tar = io.BytesIO()
            with tarfile.open(fileobj=tar, mode="w") as t:
                for p in frames:
                    t.add(p, arcname=p.name)
            got = _decode_frames(tar.getvalue(), manifest["passes"]["depth"]["files"][0])
            assert np.abs(got - physreel.load(sample).cameras["main"].read("depth")).max() < 1e-6


def test_hf_card_has_front_matter_and_the_columns(real_batch, tmp_path):
    from ruamel.yaml import YAML

    dest = export(real_batch, "hf", tmp_path / "hf", include="depth,control/depth", license="cc-by-4.0")
    card = (dest / "README.md").read_text()
    assert card.startswith("---\n")
    meta = YAML(typ="safe", pure=True).load(card.split("---\n")[1])
    assert meta["license"] == "cc-by-4.0" and "text-to-video" in meta["task_categories"]
    assert "depth-estimation" in meta["task_categories"] and meta["size_categories"] == ["n<1K"]
    assert meta["configs"][0]["data_files"][0]["path"] == ["metadata.jsonl", "videos/*.mp4", "control_depth/*.mp4"]
    assert "| `control_depth_file_name` | `control_depth/KEY.mp4` |" in card
    assert "| `depth` | `depth/KEY/{frame:05d}.png` |" in card and (dest / "contact_sheet.jpg").is_file()
    rows = [json.loads(x) for x in (dest / "metadata.jsonl").read_text().splitlines()]
    assert rows[0]["file_name"] == "videos/000000.mp4" and rows[0]["depth"] == "depth/000000"
    assert json.loads((dest / rows[1]["metadata"]).read_text()) == \
        json.loads((real_batch / "samples" / "000001" / "metadata.json").read_text())


# ------------------------------------------------------------------------------ include errors


def test_include_names_are_checked_before_anything_is_written(real_batch, tmp_path):
    cases = [("dpeth", "--include dpeth: unknown pass 'dpeth' (did you mean 'depth'?)"),
             ("tracks", "--include tracks: the batch has no pass 'tracks'"),
             ("control/edges", "--include control/edges: the batch has no control 'edges'"),
             ("thing/depth", "expected a pass name, control/<name> or preview/<pass>")]
    for include, message in cases:
        with pytest.raises(ArgumentError, match=re.escape(message)):
            export(real_batch, "webdataset", tmp_path / "x", include=include)
        assert not (tmp_path / "x").exists()
    with pytest.raises(ArgumentError, match="the cogvideox layout holds videos only"):
        export(real_batch, "cogvideox", tmp_path / "x", include="depth")
    assert not (tmp_path / "x").exists()


# ------------------------------------------------------------------------------ cogvideox, wan


class StripesBackend:
    """Renders real videos without physics: frame t is grey level 2 t with a blue band on the
    left tenth and a green column at the centre; the control video is the same, inverted.
    ``videos=False`` writes placeholder bytes instead (for exports that only link files)."""

    def __init__(self, videos: bool = True):
        self.videos = videos

    def simulate(self, scene, *, source, base_dir):
        from physreel.batch.backend import SimulatedSample

        n = max(1, round(scene["duration"] * scene["fps"]))
        w, h = scene["resolution"]
        meta = {"seed": scene["seed"], "fps": scene["fps"], "num_frames": n, "duration": n / scene["fps"],
                "resolution": [w, h], "objects": {}, "events": [], "cameras": {"main": {}}, "scene": scene}
        return SimulatedSample(scene, meta)

    def render(self, sample, out, *, passes, controls=()):

        out = Path(out)
        meta = sample.metadata
        (out / "main" / "control").mkdir(parents=True)
        w, h = meta["resolution"]
        if not self.videos:
            for p in (out / "main" / "rgb.mp4", out / "main" / "control" / "depth.mp4"):
                p.write_bytes(f"{w}x{h} {meta['num_frames']} frames".encode())
        else:
            self._videos(out, meta, w, h)
        (out / "main" / "manifest.json").write_text(json.dumps({"passes": {"rgb": {"file": "rgb.mp4"}},
                                                                 "control": {"depth": {}}}))
        (out / "metadata.json").write_text(json.dumps(meta))

    def _videos(self, out, meta, w, h):
        from physreel.outputs.video import Mp4Writer

        with Mp4Writer(out / "main" / "rgb.mp4", meta["fps"]) as a, \
                Mp4Writer(out / "main" / "control" / "depth.mp4", meta["fps"]) as b:
            for t in range(meta["num_frames"]):
                f = np.full((h, w, 3), min(255, 2 * t), np.uint8)
                f[:, : w // 10] = [0, 0, 255]
                f[:, w // 2 - 2 : w // 2 + 2] = [0, 255, 0]
                a.write(f)
                b.write(255 - f)


STRIPES_BACKEND, PLACEHOLDERS = StripesBackend(), StripesBackend(videos=False)


def _stripes_batch(tmp_path, overrides, videos: bool = True, count: int = 2):
    tmp_path.mkdir(parents=True, exist_ok=True)
    tpl = tmp_path / "s.yaml"
    tpl.write_text("name: stripes\nduration: 1\nfps: 24\nresolution: [64, 48]\nobjects: []\n")
    out = tmp_path / "b"
    backend = f"{__name__}:{'STRIPES_BACKEND' if videos else 'PLACEHOLDERS'}"
    run_batch(tpl, out, count, workers=0, overrides=overrides, backend=backend, filters=FilterConfig(enabled=False))
    return out


def test_cogvideox_export_conforms_frame_rule_fps_and_size(tmp_path):
    import imageio.v3 as iio

    # 16 fps (a whole multiple of CogVideoX's 8), 100 frames, 960x540 (16:9, larger than 720x480)
    out = _stripes_batch(tmp_path, {"fps": 16, "duration": 100 / 16, "resolution": [960, 540]}, count=1)
    dest = export(out, "cogvideox", include="control/depth")
    videos = (dest / "videos.txt").read_text().splitlines()
    controls = (dest / "control_depth.txt").read_text().splitlines()
    prompts = (dest / "prompt.txt").read_text().splitlines()
    assert videos == ["videos/000000.mp4"] and len(prompts) == 1 and controls == ["control_depth/000000.mp4"]
    frames = iio.imread(dest / videos[0])
    assert frames.shape == (49, 480, 720, 3) and (49 - 1) % 8 == 0
    assert iio.immeta(dest / videos[0])["fps"] == 8
    grey = frames[:, 10:470, 500:700].mean(axis=(1, 2, 3))
    assert np.allclose(grey, 2 * 2 * np.arange(49), atol=3)  # frame i is source frame 2 i (same instant)
    # scaled to cover 720x480 (853x480), centre-cropped: the blue left band (the first 96 of
    # 960 source columns, 85 after scaling, 66 cropped) is cut to a sliver; the green centre stays
    blue = (frames[25, :, :, 2].astype(int) - frames[25, :, :, 0]).mean(axis=0) > 100
    assert blue[:15].all() and not blue[24:].any()
    green = frames[25, 240, :, 1].astype(int) - frames[25, 240, :, 0]
    assert abs(int(np.argmax(green)) - 360) <= 3
    depth = iio.imread(dest / controls[0])
    assert depth.shape == (49, 480, 720, 3) and abs(depth[10, 240, 600].mean() - (255 - 40)) < 4
    info = json.loads((dest / "export.json").read_text())["conformed"]
    assert info["frames"] == 49 and info["fps"] == 8 and info["size"] == [720, 480] and info["reencoded_videos"] == 2


def test_a_preset_batch_exports_unchanged_and_others_are_refused_with_the_reason(tmp_path):
    out = _stripes_batch(tmp_path / "ok", {"preset": "cogvideox"}, videos=False)
    dest = export(out, "cogvideox")
    assert (dest / "videos" / "000000.mp4").samefile(out / "samples" / "000000" / "main" / "rgb.mp4") or \
        (dest / "videos" / "000000.mp4").read_bytes() == (out / "samples" / "000000" / "main" / "rgb.mp4").read_bytes()
    refusals = [({"fps": 12, "duration": 5, "resolution": [720, 480]}, "12 fps is not a whole multiple of 8 fps"),
                ({"fps": 16, "duration": 2, "resolution": [720, 480]}, "32 frames at 16 fps give 16 frames at 8 fps"),
                ({"fps": 8, "duration": 7, "resolution": [320, 240]}, "320x240 is smaller than 720x480")]
    for i, (options, reason) in enumerate(refusals):
        out = _stripes_batch(tmp_path / str(i), options, videos=False)
        with pytest.raises(ArgumentError) as e:
            export(out, "cogvideox")
        assert reason in str(e.value) and "--preset cogvideox" in str(e.value) and "sample 000001" in str(e.value)
        assert not (out / "export").exists()
    out = _stripes_batch(tmp_path / "wan", {"fps": 16, "duration": 5.0625, "resolution": [832, 480]}, videos=False)
    assert len((export(out, "wan") / "videos.txt").read_text().splitlines()) == 2
    with pytest.raises(ArgumentError, match="Wan 2.1.*81 frames \\(4N\\+1\\)"):
        export(_stripes_batch(tmp_path / "wan2", {"fps": 16, "duration": 4, "resolution": [832, 480]}, videos=False),
               "wan")


# ------------------------------------------------------------------------------ the card


def test_the_card_describes_each_file_pattern_once_and_the_dataset(real_batch):
    from ruamel.yaml import YAML

    card = (real_batch / "README.md").read_text()
    meta = YAML(typ="safe", pure=True).load(card.split("---\n")[1])
    assert meta["license"] == "other" and meta["pretty_name"] == "physreel t"
    rows = [line for line in card.splitlines() if line.startswith("| `")]
    files = [r.split("|")[1].strip() for r in rows]
    assert not any(f[1:-1].split("/")[-1][:5].isdigit() for f in files)  # no per-frame rows
    table = [f for f in files if f.startswith("`<camera>/") or f in ("`metadata.json`", "`caption.txt`")]
    assert len(table) == len(set(table))
    for pattern in ("<camera>/depth_mm/{frame:05d}.png", "<camera>/flow_forward/{frame:05d}.png",
                    "<camera>/normals/{frame:05d}.png", "<camera>/segmentation/{frame:05d}.png",
                    "<camera>/control/depth.mp4", "<camera>/flow_forward.mp4", "metadata.json"):
        assert f"| `{pattern}` |" in card, pattern
    depth_row = next(r for r in rows if "depth_mm/" in r)
    assert "metres = value * unit" in depth_row and "1 mm in 2 clips" in depth_row
    flow_row = next(r for r in rows if "flow_forward/{frame" in r)
    assert "lo[c] + (value - 1) * step[c]" in flow_row and "over the dataset" in flow_row
    # the template's distributions, the filters, the captions, the contact sheet
    assert "| `objects` | repeat block: count {\"randint\": [2, 3]}, a pool of 2 (weights 2, 1) |" in card
    assert "| `objects.pool[0].shape.radius` | uniform [0.15, 0.25] |" in card
    assert "| `cameras[0].fov` | uniform [45, 55] |" in card
    assert "| out_of_view |" in card and "attempts were made" in card and "no third-party assets" in card
    assert "2 captions" in card and "vocabulary of" in card and "- batch options: --resolution 64x48 --fps 12" in card
    import imageio.v3 as iio

    sheet = iio.imread(real_batch / "contact_sheet.jpg")
    # two rows (samples) of 3 RGB frames + 4 previews (depth, segmentation, flow, normals), 64x48 tiles
    assert sheet.shape == (2 * 52 + 4, 7 * 68 + 4, 3)
    first = iio.imread(real_batch / "samples" / "000000" / "main" / "first_frame.png")[..., :3]
    assert np.abs(sheet[4:52, 4:68].astype(int) - first).mean() < 12  # frame 0 of sample 0, top left
