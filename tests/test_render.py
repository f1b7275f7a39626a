"""Images against facts that must hold in them, and determinism."""

from __future__ import annotations

import json

import imageio.v3 as iio
import numpy as np
import pytest

from conftest import scene_dict


def _frames(out, cam="main"):
    return iio.imread(out / cam / "rgb.mp4")


def _project(meta, cam, frame, point):
    c = meta["cameras"][cam]
    K = np.array(c["K"][frame])
    w2c = np.array(c["world_to_camera"][frame])
    pc = w2c[:3, :3] @ np.asarray(point) + w2c[:3, 3]
    return np.array([K[0, 0] * pc[0] / pc[2] + K[0, 2], K[1, 1] * pc[1] / pc[2] + K[1, 2]])


def test_object_appears_where_its_projected_position_says(render_meta):
    data = scene_dict(
        [{"name": "ball", "shape": {"type": "sphere", "radius": 0.12}, "position": [0.35, 0.2, 0.9],
          "color": "#ff0000", "material": "rubber", "roughness": 1.0}],
        duration=0.5, resolution=[160, 120], background="#000000",
        ground={"colors": ["#101010", "#202020"]},
        cameras=[{"position": [0.5, -2.5, 1.2], "look_at": [0, 0, 0.5], "fov": 45}],
        render={"antialias": False})
    meta, out = render_meta(data, frames_png=True)
    for f in (0, 6, 11):
        img = iio.imread(out / "main" / "rgb" / f"{f:05d}.png").astype(int)
        red = (img[..., 0] > 90) & (img[..., 1] < 60) & (img[..., 2] < 60)
        assert red.sum() > 30, f"the red ball is not visible in frame {f}"
        ys, xs = np.nonzero(red)
        centroid = np.array([xs.mean() + 0.5, ys.mean() + 0.5])  # pixel centres
        pos = meta["objects"]["ball"]["position"][f]
        expected = _project(meta, "main", f, pos)
        assert np.linalg.norm(centroid - expected) < 1.5, (f, centroid, expected)
    # it falls: later frames show it lower in the image (larger y)
    y0 = _project(meta, "main", 0, meta["objects"]["ball"]["position"][0])[1]
    y1 = _project(meta, "main", 11, meta["objects"]["ball"]["position"][11])[1]
    assert y1 > y0


def test_ground_is_below_the_horizon_and_camera_upright(render_meta):
    data = scene_dict([], duration=0.1, resolution=[64, 48], background="#0000ff",
                      cameras=[{"position": [0, -3, 1.0], "look_at": [0, 0, 1.0], "fov": 60}])
    meta, out = render_meta(data, frames_png=True)
    img = iio.imread(out / "main" / "rgb" / "00000.png").astype(int)
    sky = (img[..., 2] > 150) & (img[..., 0] < 80)
    # A level camera: the horizon is at the image centre row; sky above, ground below.
    assert sky[:20].mean() > 0.95
    assert sky[28:].mean() < 0.05


def test_scene_colours_appear(render_meta):
    data = scene_dict(
        [{"name": "g", "shape": {"type": "box", "size": [0.4, 0.4, 0.4]}, "position": [-0.3, 0, 0.2], "color": "#10c020"},
         {"name": "b", "shape": {"type": "box", "size": [0.4, 0.4, 0.4]}, "position": [0.3, 0, 0.2], "color": [0.1, 0.2, 0.9]}],
        duration=0.1, resolution=[96, 64], cameras=[{"position": [0, -2.5, 1.0], "look_at": [0, 0, 0.2]}])
    meta, out = render_meta(data, frames_png=True)
    img = iio.imread(out / "main" / "rgb" / "00000.png").astype(int)
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    green = (g > r + 40) & (g > b + 40)
    blue = (b > r + 40) & (b > g + 40)
    assert green.sum() > 50 and blue.sum() > 50
    # green box on the left half, blue on the right half of the image
    assert np.nonzero(green)[1].mean() < 48 < np.nonzero(blue)[1].mean()


def test_video_is_h264_yuv420p_with_all_frames(render_meta):
    import subprocess

    import imageio_ffmpeg

    meta, out = render_meta(scene_dict([], duration=0.5, resolution=[66, 50]))
    frames = _frames(out)
    assert frames.shape == (12, 50, 66, 3)
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(out / "main" / "rgb.mp4")],
                           capture_output=True, text=True).stderr
    assert "h264" in probe and "yuv420p" in probe and "66x50" in probe


def test_same_scene_and_seed_give_identical_bytes(tmp_path):
    from physreel import load_scene, write

    data = scene_dict(
        [{"name": "a", "shape": {"type": "box", "size": [0.2, 0.2, 0.2]}, "position": [0, 0, 1], "rotation": [30, 20, 10]},
         {"name": "b", "shape": {"type": "sphere", "radius": 0.1}, "position": [0.05, 0, 1.5]}],
        duration=1.0, resolution=[64, 48], seed=3)
    outs = []
    for k in range(2):
        out = tmp_path / f"o{k}"
        write(load_scene(data), out, frames_png=True)
        outs.append(out)
    for rel in ("metadata.json", "scene.yaml", "main/rgb.mp4", "main/rgb/00010.png"):
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel


def test_metadata_states_conventions_and_cameras(render_meta):
    meta, out = render_meta(scene_dict([{"name": "a", "shape": {"type": "sphere", "radius": 0.1}, "position": [0, 0, 1]}],
                                       duration=0.25, resolution=[64, 48]))
    assert meta["format_version"] == 1
    assert "quaternion" in meta["conventions"] and "OpenCV" in meta["conventions"]["camera"]
    cam = meta["cameras"]["main"]
    K = np.array(cam["K"][0])
    assert K[0, 2] == 32 and K[1, 2] == 24
    assert len(cam["world_to_camera"]) == meta["num_frames"] == 6
    assert meta["objects"]["a"]["id"] == 2 and meta["segmentation_ids"]["1"] == "ground"
    resolved = (out / "scene.yaml").read_text()
    from physreel import load_scene

    again = load_scene(out / "scene.yaml")
    assert again.objects[0].name == "a" and "sphere" in resolved


def test_streaming_api_yields_one_bundle_per_frame():
    import physreel

    data = scene_dict([{"name": "a", "shape": {"type": "sphere", "radius": 0.1}, "position": [0, 0, 1]}],
                      duration=0.5, resolution=[32, 24])
    n = 0
    for bundle in physreel.render(data, passes=["rgb"]):
        assert bundle["rgb"].shape == (24, 32, 3) and bundle["rgb"].dtype == np.uint8
        assert bundle["rgb"].flags["C_CONTIGUOUS"]
        assert bundle.frame == n
        n += 1
    assert n == 12


def test_render_failure_midway_leaves_no_output(tmp_path, monkeypatch):
    from physreel import load_scene, write
    from physreel.errors import RenderError
    from physreel.rendering import renderer as rmod

    calls = {"n": 0}
    orig = rmod.SceneRenderer.render

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("GPU fell off the bus")
        return orig(self, *args, **kwargs)

    monkeypatch.setattr(rmod.SceneRenderer, "render", flaky)
    out = tmp_path / "out"
    with pytest.raises(RenderError, match="GPU fell off"):
        write(load_scene(scene_dict([], duration=0.5, resolution=[32, 24])), out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_replaced_only_when_complete(tmp_path):
    from physreel import load_scene, write

    out = tmp_path / "out"
    write(load_scene(scene_dict([], duration=0.25, resolution=[32, 24])), out)
    meta1 = json.loads((out / "metadata.json").read_text())
    write(load_scene(scene_dict([], duration=0.5, resolution=[32, 24])), out)
    meta2 = json.loads((out / "metadata.json").read_text())
    assert (meta1["num_frames"], meta2["num_frames"]) == (6, 12)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.slow
@pytest.mark.parametrize("scene_name", ["calibration", "glass_drop"])
def test_every_output_file_is_byte_identical_across_runs(tmp_path, scene_name):
    """All passes, controls and a shattering glass: same scene + seed -> identical files."""
    from conftest import SCENES
    from physreel import load_scene, with_overrides, write

    sc = with_overrides(load_scene(SCENES / f"{scene_name}.yaml"), resolution=[64, 48], duration=1.0, fps=12)
    outs = []
    for k in range(2):
        out = tmp_path / f"o{k}"
        write(sc, out, passes=["rgb", "depth", "segmentation", "normals", "flow_forward", "flow_backward",
                               "occlusion_forward", "occlusion_backward", "tracks", "boxes"],
              controls=["depth", "normal", "edges", "seg"], frames_png=True)
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    assert len(files) > 50
    assert files == sorted(p.relative_to(outs[1]) for p in outs[1].rglob("*") if p.is_file())
    for rel in files:
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel
    if scene_name == "glass_drop":
        meta = json.loads((outs[0] / "metadata.json").read_text())
        assert any(e["type"] == "break" for e in meta["events"])
