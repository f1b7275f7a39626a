"""A tool users trust (issue 10): it never destroys their files, never shows a traceback, and
says what is wrong before it renders.  Every case checks the exit code, the message, and the
files on disk before and after (nothing lost, nothing half-written)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, SCENES
from physreel.cli import main

SMALL = ["--resolution", "64x48", "--duration", "0.25"]
BALL = "objects:\n  - {name: ball, shape: {type: sphere, radius: 0.1}, position: [0, 0, 0.5]}\n"
TEMPLATE = textwrap.dedent("""\
    name: t
    duration: 0.25
    fps: 12
    resolution: [64, 48]
    objects:
      - name: ball
        shape: {type: sphere, radius: 0.1}
        position: [0, 0, {uniform: [0.5, 1.0]}]
""")


def snapshot(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under ``folder`` (the state of the disk)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def write(folder: Path, name: str, text: str | bytes) -> Path:
    p = folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


def cli(*args: str, cwd: Path | None = None):
    """Run the CLI in-process (from ``cwd``); returns click's Result (output = stdout + stderr)."""
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(main, [str(a) for a in args])
    finally:
        os.chdir(old)


def assert_unchanged(before: dict, folder: Path) -> None:
    after = snapshot(folder)
    assert after == before, {"lost or changed": sorted(k for k in before if after.get(k) != before[k]),
                             "new": sorted(set(after) - set(before))}


# ------------------------------------------------------------------ never destroy a user's files
def test_render_into_a_folder_it_did_not_write_is_refused(tmp_path):
    write(tmp_path, "s.yaml", BALL)
    write(tmp_path, "thesis/chapter1.tex", "years of work")
    before = snapshot(tmp_path)
    res = cli("render", tmp_path / "s.yaml", "-o", tmp_path / "thesis", *SMALL)
    assert res.exit_code == 2, res.output
    assert "thesis' exists and is not a physreel render; choose another -o or pass --overwrite" in res.output
    assert "Traceback" not in res.output
    assert_unchanged(before, tmp_path)


def test_batch_into_a_folder_it_did_not_write_is_refused(tmp_path):
    write(tmp_path, "t.yaml", TEMPLATE)
    write(tmp_path, "thesis/README.md", "my notes")
    write(tmp_path, "thesis/samples/draft1/x.txt", "draft")  # a batch would have deleted this
    before = snapshot(tmp_path)
    res = cli("batch", tmp_path / "t.yaml", "-n", "1", "-o", tmp_path / "thesis", "-j", "0")
    assert res.exit_code == 2, res.output
    assert "exists and is not a physreel batch folder" in res.output and "choose another -o" in res.output
    assert_unchanged(before, tmp_path)


def test_batch_resumes_its_own_folder_and_a_folder_holding_only_its_lock(tmp_path):
    write(tmp_path, "t.yaml", TEMPLATE)
    (tmp_path / "data").mkdir()
    write(tmp_path, "data/.lock", "")  # a run stopped before it wrote batch.json
    res = cli("batch", tmp_path / "t.yaml", "-n", "1", "-o", tmp_path / "data", "-j", "0", "--no-filters")
    assert res.exit_code == 0, res.output
    res = cli("batch", tmp_path / "t.yaml", "-n", "2", "-o", tmp_path / "data", "-j", "0", "--no-filters")
    assert res.exit_code == 0 and "1 already done" in res.output, res.output


@pytest.fixture(scope="module")
def one_sample_batch(tmp_path_factory):
    d = tmp_path_factory.mktemp("batch")
    write(d, "t.yaml", TEMPLATE)
    res = cli("batch", d / "t.yaml", "-n", "1", "-o", d / "data", "-j", "0", "--no-filters")
    assert res.exit_code == 0, res.output
    return d


def test_export_into_a_folder_it_did_not_write_is_refused(one_sample_batch, tmp_path):
    mine = tmp_path / "mine"
    write(mine, "metadata.jsonl", "my own list")
    write(mine, "videos/000000.mp4", "my video")
    before = snapshot(tmp_path)
    res = cli("export", one_sample_batch / "data", "--format", "hf", "-o", mine)
    assert res.exit_code == 2, res.output
    assert "exists and is not a physreel export; choose another -o or pass --overwrite" in res.output
    assert_unchanged(before, tmp_path)
    # an earlier export is replaced; --overwrite replaces anything
    out = tmp_path / "hf"
    assert cli("export", one_sample_batch / "data", "--format", "hf", "-o", out).exit_code == 0
    write(out, "stale.txt", "from before")
    assert cli("export", one_sample_batch / "data", "--format", "hf", "-o", out).exit_code == 0
    assert not (out / "stale.txt").exists() and (out / "export.json").is_file()
    res = cli("export", one_sample_batch / "data", "--format", "hf", "-o", mine, "--overwrite")
    assert res.exit_code == 0 and (mine / "metadata.jsonl").read_text() != "my own list"
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


@pytest.mark.parametrize("command", ["render", "batch", "export"])
def test_output_path_that_cannot_be_a_folder_is_an_argument_error(tmp_path, one_sample_batch, command):
    write(tmp_path, "s.yaml", BALL)
    write(tmp_path, "t.yaml", TEMPLATE)
    write(tmp_path, "afile", "x")
    write(tmp_path, "notes.txt", "keep me")
    args = {"render": ["render", "s.yaml", *SMALL],
            "batch": ["batch", "t.yaml", "-n", "1", "-j", "0"],
            "export": ["export", str(one_sample_batch / "data"), "--format", "hf"]}[command]
    before = snapshot(tmp_path)
    for out, expected in ((".", "is the current or root folder"), ("afile/sub", "'afile' (a folder above it) is a file")):
        res = cli(*args, "-o", out, cwd=tmp_path)
        assert res.exit_code == 2, res.output
        assert expected in res.output and "Traceback" not in res.output, res.output
    assert_unchanged(before, tmp_path)


# ------------------------------------------------------------------ bad input: one readable block
def test_empty_scene_file_is_an_error(tmp_path):
    write(tmp_path, "empty.yaml", "# nothing yet\n")
    before = snapshot(tmp_path)
    res = cli("render", tmp_path / "empty.yaml", "-o", tmp_path / "out", *SMALL)
    assert res.exit_code == 2, res.output
    assert f"{tmp_path / 'empty.yaml'}:1:1: the file is empty" in res.output and "nothing to film" in res.output
    assert_unchanged(before, tmp_path)


def test_scene_with_nothing_to_film_is_an_error(tmp_path):
    write(tmp_path, "s.yaml", "name: nothing\ncameras:\n  - {position: [0, -3, 1], look_at: [0, 0, 0]}\n")
    before = snapshot(tmp_path)
    res = cli("render", tmp_path / "s.yaml", "-o", tmp_path / "out", *SMALL)
    assert res.exit_code == 2, res.output
    assert "objects: the scene has no objects: there is nothing to film" in res.output
    assert_unchanged(before, tmp_path)


def test_unexpected_failure_is_one_line_and_exit_1(tmp_path, monkeypatch):
    import physreel.api as api

    def boom(*a, **k):
        raise IndexError("index 8 is out of bounds")

    monkeypatch.setattr(api, "simulate", boom)
    write(tmp_path, "s.yaml", BALL)
    res = cli("render", tmp_path / "s.yaml", "-o", tmp_path / "out", *SMALL)
    assert res.exit_code == 1
    assert res.output.startswith("error: internal error: IndexError: index 8 is out of bounds")
    assert "PHYSREEL_DEBUG=1" in res.output and "Traceback" not in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_flags_blame_the_flag_not_the_scene(tmp_path):
    write(tmp_path, "s.yaml", BALL)
    write(tmp_path, "fixed.yaml", BALL + "physics: {rate: 240}\n")
    before = snapshot(tmp_path)
    res = cli("render", tmp_path / "s.yaml", "-o", tmp_path / "out", "--resolution", "641x480")
    assert res.exit_code == 2
    assert res.output.startswith("error: --resolution 641x480: width and height must be even"), res.output
    assert "s.yaml" not in res.output
    res = cli("render", tmp_path / "fixed.yaml", "-o", tmp_path / "out", "--fps", "25", *SMALL)
    assert res.exit_code == 2
    assert res.output.startswith("error: --fps 25: physics.rate (set at "), res.output
    assert "fixed.yaml:3): physics rate 240 Hz is not a whole multiple of fps 25" in res.output
    assert_unchanged(before, tmp_path)


def test_fps_flag_works_when_the_scene_leaves_the_physics_rate_out(tmp_path):
    write(tmp_path, "s.yaml", BALL)
    res = cli("render", tmp_path / "s.yaml", "-o", tmp_path / "out", "--fps", "25", *SMALL)
    assert res.exit_code == 0, res.output
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text())
    assert meta["fps"] == 25 and meta["physics"]["rate"] == 250 and meta["physics"]["steps_per_frame"] == 10


# ------------------------------------------------------------------ warnings before the render
def test_camera_that_sees_no_moving_object_is_warned_about_before_rendering(tmp_path, monkeypatch):
    write(tmp_path, "s.yaml", "objects:\n  - {name: ball, shape: {type: sphere, radius: 0.1}, position: [0, 0, 3]}\n"
          "cameras:\n  - {position: [0, -3, 0.5], look_at: [0, 0, 0.3], fov: 40}\n")
    import physreel.api as api

    seen_before = []
    real = api.write

    def spy(*a, **k):  # the warning is on screen before anything is rendered
        seen_before.append(True)
        return real(*a, **k)

    monkeypatch.setattr(api, "write", spy)
    res = cli("render", tmp_path / "s.yaml", "-o", tmp_path / "out", *SMALL)
    assert res.exit_code == 0, res.output
    text = ("camera 'main' sees none of the moving objects at t = 0: objects[0] 'ball' (above the frame); the "
            "first frame shows no subject. Aim it at them (look_at: [0, 0, 3]) or write look_at: auto")
    assert f"warning: {text}" in res.output
    assert res.output.index("warning:") < res.output.index("rgb.mp4")
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text())
    assert any(w.startswith(text) for w in meta["warnings"]) and meta["cameras"]["main"]["in_view_at_start"] == []


def test_look_at_auto_frames_what_moves(tmp_path):
    import numpy as np

    import physreel

    scene = {"duration": 0.5, "fps": 12, "resolution": [64, 48],
             "objects": [{"name": "ball", "shape": {"type": "sphere", "radius": 0.1}, "position": [2, 1, 3]},
                         {"name": "table", "shape": {"type": "box", "size": [1, 1, 0.1]}, "static": True,
                          "position": [-3, 0, 0.05]}],
             "cameras": [{"position": [0, -3, 0.5], "look_at": "auto"}], "render": {"passes": ["rgb", "segmentation"]}}
    res = physreel.write(scene, tmp_path / "out")
    assert res.warnings == []
    out = physreel.load(tmp_path / "out")
    assert out.metadata["cameras"]["main"]["in_view_at_start"] == ["ball"]
    seg = out.cameras["main"].read("segmentation")
    ball = int({v: k for k, v in out.metadata["segmentation_ids"].items()}["ball"])
    # the ball is in every frame from the first, and never fills more than the frame
    assert all((seg[t] == ball).any() for t in range(seg.shape[0]))
    assert not (seg[:, 0, :] == ball).any() and not (seg[:, -1, :] == ball).any()
    # the written scene holds the resolved camera: rendering it again films the same shot
    from physreel.scene.loader import load_scene

    again = load_scene(tmp_path / "out" / "scene.yaml")
    look = np.asarray(again.cameras[0].look_at)
    assert look.shape == (3,) and look[2] > 0.1  # the middle of the fall, not the default
    direction = np.asarray(again.cameras[0].position) - look
    np.testing.assert_allclose(direction / np.linalg.norm(direction),
                               (np.array([0, -3, 0.5]) - look) / np.linalg.norm(np.array([0, -3, 0.5]) - look),
                               atol=2e-3)  # only the distance changed


def test_objects_that_start_inside_each_other_are_named_with_a_fix(tmp_path):
    write(tmp_path, "s.yaml", "objects:\n  - {name: crate, shape: {type: box, size: [0.4, 0.4, 0.4]}, position: [0, 0, 0.2]}\n"
          "  - {name: ball, shape: {type: sphere, radius: 0.1}, position: [0.1, 0, 0.4]}\n"
          "  - {name: sunk, shape: {type: box, size: [0.2, 0.2, 0.2]}, position: [1, 0, 0.05]}\n"
          "cameras:\n  - {position: [0.5, -3, 1], look_at: [0.5, 0, 0.2]}\n")
    res = cli("validate", tmp_path / "s.yaml")
    assert res.exit_code == 0, res.output
    assert ("warning: objects[2] 'sunk' starts 5.0 cm inside the floor; the physics engine will push them apart "
            "at t = 0 (they jump). Move 'sunk' to position: [1, 0, 0.101]") in res.output
    assert ("warning: objects[1] 'ball' starts 10.0 cm inside objects[0] 'crate'; the physics engine will push "
            "them apart at t = 0 (they jump). Move 'ball' to position: [0.1, 0, 0.501]") in res.output
    # the proposed positions fix it
    fixed = (tmp_path / "s.yaml").read_text().replace("[1, 0, 0.05]", "[1, 0, 0.101]").replace("[0.1, 0, 0.4]", "[0.1, 0, 0.501]")
    write(tmp_path, "fixed.yaml", fixed)
    res = cli("validate", tmp_path / "fixed.yaml")
    assert res.exit_code == 0 and "warning" not in res.output, res.output


def test_objects_resting_on_each_other_or_jointed_are_not_warned_about(tmp_path):
    res = cli("validate", *(str(p) for p in sorted(SCENES.glob("*.yaml"))))
    assert res.exit_code == 0, res.output
    assert "inside" not in res.output and "sees none" not in res.output and "does not see" not in res.output


def test_warnings_name_their_object_on_screen_and_in_metadata(tmp_path):
    write(tmp_path, "open.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\n")
    write(tmp_path, "s.yaml", "objects:\n  - {name: ball, shape: {type: sphere, radius: 0.1}, position: [-0.3, 0, 0.3]}\n"
          "  - {name: shell, shape: {type: mesh, file: open.obj, size: 0.3}, position: [0.3, 0, 0.3]}\n")
    res = cli("render", "s.yaml", "-o", "out", *SMALL, cwd=tmp_path)
    assert res.exit_code == 0, res.output
    text = "objects[1] 'shell' (open.obj): the mesh is open (not watertight)"
    assert f"warning: {text}" in res.output
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text())
    assert any(w.startswith(text) for w in meta["warnings"])


# ------------------------------------------------------------------ validate == what render accepts
@pytest.mark.parametrize("case", ["oob_face", "random_bytes", "bad_texture", "missing_texture"])
def test_validate_rejects_what_render_rejects(tmp_path, case):
    obj = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 4\n"
    mesh, tex = "m.obj", None
    if case == "oob_face":
        write(tmp_path, "m.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n")
    elif case == "random_bytes":
        write(tmp_path, "m.obj", bytes(range(256)) * 12)
    else:
        write(tmp_path, "m.obj", obj)
        tex = "skin.png"
        if case == "bad_texture":
            write(tmp_path, "skin.png", b"\x89PNG\r\n\x1a\n this is not an image")
    scene = f"objects:\n  - name: thing\n    shape: {{type: mesh, file: {mesh}, size: 0.3}}\n    position: [0, 0, 0.5]\n"
    if tex:
        scene += f"    texture: {tex}\n"
    write(tmp_path, "s.yaml", scene)
    before = snapshot(tmp_path)
    val = cli("validate", tmp_path / "s.yaml")
    ren = cli("render", tmp_path / "s.yaml", "-o", tmp_path / "out", *SMALL)
    assert val.exit_code == 2 and ren.exit_code == 2, (val.output, ren.output)
    assert "Traceback" not in val.output + ren.output
    line = 5 if tex else 3
    assert f"{tmp_path / 's.yaml'}:{line}" in val.output, val.output
    assert_unchanged(before, tmp_path)


@pytest.mark.parametrize("field", ["sky", "ground", "object"])
def test_an_image_the_look_reads_is_opened_before_simulating(tmp_path, field):
    # sky HDRs, ground images and object textures that do not decode: validate says so, and a
    # render stops before simulating (it used to simulate first, and validate said ok)
    write(tmp_path, "bad.hdr", b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 4 +X 8\n\x02\x02")
    write(tmp_path, "bad.png", b"\x89PNG\r\n\x1a\n this is not an image")
    extra = {"sky": "sky: {type: hdri, file: bad.hdr}\n", "ground": "ground: {texture: bad.png}\n",
             "object": ""}[field]
    scene = ("objects:\n  - name: ball\n    shape: {type: sphere, radius: 0.1}\n    position: [0, 0, 0.5]\n"
             "    texture: bad.png\n") if field == "object" else BALL + extra
    write(tmp_path, "s.yaml", scene)
    line = len(scene.splitlines())
    before = snapshot(tmp_path)
    val = cli("validate", tmp_path / "s.yaml")
    ren = cli("-v", "render", tmp_path / "s.yaml", "-o", tmp_path / "out", *SMALL)
    assert val.exit_code == 2 and ren.exit_code == 2, (val.output, ren.output)
    assert "Traceback" not in val.output + ren.output and "simulate (" not in ren.output
    want = {"sky": "sky.file", "ground": "ground.texture", "object": "objects[0].texture"}[field]
    for out in (val.output, ren.output):
        assert f"s.yaml:{line}: {want}" in out, out
    assert_unchanged(before, tmp_path)


def test_validate_prints_in_order_and_as_json(tmp_path):
    write(tmp_path, "a.yaml", BALL)
    write(tmp_path, "b.yaml", "fps: fast\n" + BALL)
    write(tmp_path, "c.yaml", BALL)
    proc = subprocess.run([sys.executable, "-m", "physreel.cli", "validate", "a.yaml", "b.yaml", "c.yaml"],
                          cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 2
    lines = proc.stdout.splitlines()
    assert lines[0] == "a.yaml: ok" and lines[1].startswith("b.yaml: 1 error") and "c.yaml: ok" in lines
    assert lines.index("c.yaml: ok") > 1 and lines[-1] == "error: 1 of 3 files has errors (listed above)"
    proc = subprocess.run([sys.executable, "-m", "physreel.cli", "validate", "--json", "a.yaml", "b.yaml"],
                          cwd=tmp_path, capture_output=True, text=True)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 2 and doc["ok"] is False
    assert [f["ok"] for f in doc["files"]] == [True, False] and "fps" in doc["files"][1]["error"]


# ------------------------------------------------------------------ everyday comforts
def test_simulate_prints_the_event_timeline(tmp_path):
    res = cli("simulate", SCENES / "bouncing_balls.yaml", "--duration", "1")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert "24 frames at 24 fps" in lines[0] and "simulated in" in lines[0]
    impacts = [ln for ln in lines if " impact " in ln and "hits the floor" in ln]
    assert len(impacts) >= 4 and "m/s" in impacts[0]
    times = [float(ln.split()[0]) for ln in lines[1:] if ln.strip() and ln.split()[1] == "s"]
    assert times == sorted(times)
    res = cli("simulate", "--json", SCENES / "bouncing_balls.yaml", "--duration", "1")
    doc = json.loads(res.output)
    assert doc["ok"] and doc["frames"] == 24 and len(doc["events"]) >= 4 and doc["timeline"]


def test_pieces_of_a_broken_object_make_one_timeline_line_per_frame():
    from physreel.outputs.timeline import timeline

    events = [{"type": "break", "time": 0.5, "frame": 12, "object": "glass", "pieces": ["glass.piece_000"] * 3}]
    events += [{"type": "enter", "time": 0.5, "frame": 12, "object": f"glass.piece_{i:03d}", "camera": "main"}
               for i in range(3)]
    events += [{"type": "impact", "time": 0.504, "frame": 13, "objects": [f"glass.piece_{i:03d}", "ground"],
                "relative_speed": 4.0 + i, "impulse": 0.01} for i in range(3)]
    rows = timeline(events)
    assert [r["text"] for r in rows] == ["glass breaks into 3 pieces", "3 pieces of glass enter camera 'main'",
                                         "3 pieces of glass hit the floor (up to 6.00 m/s)"]


def test_json_quiet_and_verbose(tmp_path):
    write(tmp_path, "s.yaml", BALL)
    res = cli("render", tmp_path / "s.yaml", "-o", tmp_path / "out", "--json", *SMALL)
    doc = json.loads(res.stdout)
    assert res.exit_code == 0 and doc["ok"] and doc["frames"] == 6 and doc["videos"] == [str(tmp_path / "out/main/rgb.mp4")]
    assert doc["preview"] == str(tmp_path / "out" / "preview.html")
    res = cli("-q", "render", tmp_path / "s.yaml", "-o", tmp_path / "out", *SMALL)
    assert res.exit_code == 0 and res.output == ""
    res = cli("-v", "render", tmp_path / "s.yaml", "-o", tmp_path / "out", *SMALL)
    assert res.exit_code == 0 and "] loaded " in res.output and "] simulate (6 steps)" in res.output
    res = cli("render", tmp_path / "s.yaml", "-o", tmp_path / "out", "--json", "--fps", "0", *SMALL)
    assert res.exit_code == 2  # click's own usage error: not JSON, but no traceback
    res = cli("render", tmp_path / "nope.yaml", "--json")
    assert res.exit_code == 2 and json.loads(res.stdout)["exit_code"] == 2


def test_batch_json(tmp_path):
    write(tmp_path, "t.yaml", TEMPLATE)
    res = cli("batch", tmp_path / "t.yaml", "-n", "1", "-o", tmp_path / "d", "-j", "0", "--no-filters", "--json")
    doc = json.loads(res.stdout)
    assert res.exit_code == 0 and doc["complete"] == 1 and doc["failed"] == [] and doc["preview"]


def test_no_pybullet_banner_on_the_terminal(tmp_path):
    write(tmp_path, "s.yaml", BALL)
    proc = subprocess.run([sys.executable, "-m", "physreel.cli", "render", "s.yaml", "-o", "out", *SMALL],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "pybullet build time" not in proc.stdout + proc.stderr
    assert proc.stderr == "" and proc.stdout.startswith("out/main/rgb.mp4: 6 frames")


def _interrupt_when(cmd: list[str], cwd: Path, marker: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Start ``cmd``, send Ctrl-C (SIGINT to its process group, as a terminal does) once its
    stderr shows ``marker``; return the finished process."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    err = []
    t0 = time.time()
    while time.time() - t0 < timeout:
        line = proc.stderr.readline()
        if not line:
            break
        err.append(line)
        if marker in line:
            time.sleep(0.5)
            os.killpg(proc.pid, signal.SIGINT)
            break
    out, rest = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, "".join(err) + rest)


def test_ctrl_c_during_a_render_leaves_nothing_and_no_ffmpeg_noise(tmp_path):
    write(tmp_path, "s.yaml", BALL)
    before = snapshot(tmp_path)
    done = _interrupt_when([sys.executable, "-m", "physreel.cli", "-v", "render", "s.yaml", "-o", "out",
                            "--resolution", "320x240", "--duration", "8"], tmp_path, "] render (")
    assert done.returncode == 130, done.stderr
    lines = [ln for ln in done.stderr.splitlines() if not ln.startswith("[")]
    assert lines == ["interrupted; no output was left behind"], done.stderr
    time.sleep(1)  # an ffmpeg that outlived us would write now
    assert_unchanged(before, tmp_path)


@pytest.mark.slow
def test_ctrl_c_in_a_batch_says_how_many_are_done_and_resumes(tmp_path):
    write(tmp_path, "t.yaml", TEMPLATE.replace("duration: 0.25", "duration: 1.5"))
    cmd = [sys.executable, "-m", "physreel.cli", "batch", "t.yaml", "-n", "6", "-o", "d", "-j", "2", "--no-filters"]
    done = _interrupt_when(cmd, tmp_path, "1/6 samples")
    assert done.returncode == 130, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("interrupted: ") and "of 6 samples done; run the same command to resume" in last
    k = int(last.split()[1])
    assert "Traceback" not in done.stderr and "ffmpeg" not in done.stderr.lower() and "[mp4" not in done.stderr
    samples = sorted(p.name for p in (tmp_path / "d" / "samples").iterdir())
    assert len(samples) == k and all(".tmp-" not in s for s in samples)
    res = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 0 and f"{6 - k} rendered, {k} already done" in res.stdout, res.stdout + res.stderr


# ------------------------------------------------------------------ portable outputs
def test_outputs_store_relative_paths_and_render_again_after_a_move(tmp_path):
    import shutil

    write(tmp_path, "proj/s.yaml", "objects:\n  - {name: duck, shape: {type: mesh, file: ../assets/Duck.glb, size: 0.3}, "
          "position: [0, 0, 0.3]}\n")
    (tmp_path / "assets").mkdir()
    shutil.copy(ROOT / "assets" / "Duck.glb", tmp_path / "assets" / "Duck.glb")
    res = cli("render", tmp_path / "proj/s.yaml", "-o", tmp_path / "proj/out", *SMALL)
    assert res.exit_code == 0, res.output
    for name in ("scene.yaml", "metadata.json"):
        text = (tmp_path / "proj/out" / name).read_text()
        assert str(tmp_path) not in text and "../../assets/Duck.glb" in text
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    shutil.move(str(tmp_path / "proj"), str(moved / "proj"))
    shutil.move(str(tmp_path / "assets"), str(moved / "assets"))
    res = cli("render", moved / "proj/out/scene.yaml", "-o", moved / "again", *SMALL)
    assert res.exit_code == 0, res.output


def test_batch_files_hold_no_absolute_paths(tmp_path):
    write(tmp_path, "t.yaml", TEMPLATE)
    assert cli("batch", tmp_path / "t.yaml", "-n", "1", "-o", tmp_path / "d", "-j", "0", "--no-filters").exit_code == 0
    for p in (tmp_path / "d").rglob("*"):
        if p.is_file() and p.suffix in (".json", ".yaml", ".txt", ".md", ".html", ".csv", ".jsonl"):
            assert str(tmp_path) not in p.read_text(errors="replace"), p
    assert json.loads((tmp_path / "d" / "batch.json").read_text())["template"] == "../t.yaml"


def test_open_opens_the_preview_of_the_render(tmp_path, monkeypatch):
    import webbrowser

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    write(tmp_path, "s.yaml", BALL)
    res = cli("render", tmp_path / "s.yaml", "-o", tmp_path / "out", "--open", *SMALL)
    assert res.exit_code == 0, res.output
    assert opened == [(tmp_path / "out" / "preview.html").as_uri()]


def test_a_render_reads_back_the_conditioning_it_wrote(tmp_path):
    import imageio.v3 as iio
    import numpy as np

    import physreel

    write(tmp_path, "s.yaml", BALL)
    res = cli("render", tmp_path / "s.yaml", "-o", tmp_path / "out", "--control", "depth,canny", *SMALL)
    assert res.exit_code == 0, res.output
    cam = physreel.load(tmp_path / "out").cameras["main"]
    depth = cam.read_control("depth")
    assert depth.shape == (6, 48, 64, 3) and depth.dtype == np.uint8
    on_disk = np.stack([iio.imread(p)[..., :3] for p in sorted((tmp_path / "out/main/control/depth").glob("*.png"))])
    np.testing.assert_array_equal(depth, on_disk)
    assert depth[0].max() > depth[0].min()  # the ball and the floor, not a blank image
    assert cam.read_control("canny").shape == (6, 48, 64)


def test_a_failed_file_operation_is_one_line_with_what_to_do(tmp_path, monkeypatch):
    import errno

    import physreel.api as api

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "main" / "rgb.mp4"))

    monkeypatch.setattr(api, "simulate", full)
    write(tmp_path, "s.yaml", BALL)
    res = cli("render", tmp_path / "s.yaml", "-o", tmp_path / "out", *SMALL)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.output == (f"error: No space left on device: {tmp_path / 'out' / 'main' / 'rgb.mp4'}; "
                          "free some space or write somewhere else\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_an_object_no_camera_ever_shows_is_named_one_entering_later_is_not(tmp_path):
    import physreel

    scene = {"duration": 1.0, "fps": 12, "resolution": [64, 48], "gravity": [0, 0, 0],
             "objects": [{"name": "here", "shape": {"type": "sphere", "radius": 0.1}, "position": [0, 0, 0.5]},
                         {"name": "later", "shape": {"type": "sphere", "radius": 0.1}, "position": [3, 0, 0.5],
                          "velocity": [-4, 0, 0]},
                         {"name": "never", "shape": {"type": "sphere", "radius": 0.1}, "position": [0, -8, 0.5]}],
             "cameras": [{"position": [0, -3, 0.5], "look_at": [0, 0, 0.5], "fov": 40}]}
    res = physreel.write(scene, tmp_path / "out")
    meta = physreel.load(tmp_path / "out").metadata
    assert meta["cameras"]["main"]["in_view_at_start"] == ["here"]
    assert any(e["type"] == "enter" and e["object"] == "later" for e in meta["events"])
    assert res.warnings == meta["warnings"] == [
        "objects[2] 'never' is never in view: no camera shows it during the clip. Aim a camera at it or write "
        "look_at: auto"]


# ------------------------------------------------------------------ templates: every mistake at once
BAD_TEMPLATE = """\
name: t
duration: 0.25
fps: 12
resolution: [64, 48]
objects:
  - name: ball
    shape: {type: sphere, radius: 0.1}
    position: [0, 0, {unifrom: [0.5, 1.0]}]
  - name: box
    shape: {type: box, size: [0.1, 0.1, 0.1]}
    position: [1, 0, {uniform: [1, 0.5]}]
  - count: {randint: [3, 10]}
    names: "obj_{i}"
    pool:
      - weight: 2
        object:
          shape: {type: sphere, radius: {uniform: [-0.2, -0.1]}}
          position: [0, 0, 1]
          materal: rubber
      - {shape: {type: box, size: [0.1, 0.1]}, position: [1, 1, 1]}
"""


def test_template_mistakes_all_at_once_on_their_lines_once_each(tmp_path):
    t = write(tmp_path, "t.yaml", BAD_TEMPLATE)
    before = snapshot(tmp_path)
    res = cli("validate", t)
    assert res.exit_code == 2, res.output
    expected = [
        f"{t}:8: objects[0].position[2].unifrom: unknown distribution 'unifrom'; did you mean 'uniform'?",
        f"{t}:11: objects[1].position[2].uniform: uniform needs low <= high, got [1, 0.5]; swap them",
        f"{t}:17: objects[2].pool[0].object.shape.radius: input should be greater than 0",
        f"{t}:19: objects[2].pool[0].object.materal: unknown field 'materal'; did you mean 'material'?",
        f"{t}:20: objects[2].pool[1].shape.size: expected more values (got 2: [0.1, 0.1])",
    ]
    assert f"{t}: 5 errors in scene" in res.output
    for text in expected:
        assert res.output.count(text) == 1, (text, res.output)
    # batch refuses it the same way, before it writes anything
    res = cli("batch", t, "-n", "3", "-o", tmp_path / "d", "-j", "0")
    assert res.exit_code == 2 and all(text in res.output for text in expected), res.output
    assert_unchanged(before, tmp_path)


# ------------------------------------------------------------------ mesh files: one readable block
@pytest.mark.parametrize("suffix,data", [
    (".obj", b"# caf\xe9 model\nv 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 4\n"),
    (".stl", b"solid caf\xe9\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\n"
             b"endfacet\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 0 1 0\nvertex 0 0 1\nendloop\n"
             b"endfacet\nendsolid\n"),
    (".ply", b"ply\nformat ascii 1.0\ncomment caf\xe9\nelement vertex 4\nproperty float x\nproperty float y\n"
             b"property float z\nelement face 4\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n"
             b"1 0 0\n0 1 0\n0 0 1\n3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3\n"),
])
def test_text_meshes_that_are_not_utf8_load_without_charset_guessing(tmp_path, monkeypatch, suffix, data):
    monkeypatch.setitem(sys.modules, "charset_normalizer", None)  # the core install does not have it
    write(tmp_path, f"m{suffix}", data)
    write(tmp_path, "s.yaml", f"objects:\n  - {{name: thing, shape: {{type: mesh, file: m{suffix}, size: 0.3}}, "
          "position: [0, 0, 0.5]}\n")
    res = cli("render", tmp_path / "s.yaml", "-o", tmp_path / "out", *SMALL)
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("case,text", [
    ("face_index", "m.obj: could not be read as a Wavefront OBJ mesh: a face refers to a vertex"),
    ("binary", "m.obj: the file is not text, so it cannot be a Wavefront OBJ mesh"),
])
def test_broken_mesh_files_are_one_readable_block(tmp_path, case, text):
    write(tmp_path, "m.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n" if case == "face_index" else bytes(range(256)) * 12)
    write(tmp_path, "s.yaml", "objects:\n  - {name: thing, shape: {type: mesh, file: m.obj, size: 0.3}, "
          "position: [0, 0, 0.5]}\n")
    before = snapshot(tmp_path)
    for args in (["render", tmp_path / "s.yaml", "-o", tmp_path / "out", *SMALL], ["validate", tmp_path / "s.yaml"],
                 ["assets", "inspect", tmp_path / "m.obj"]):
        res = cli(*args)
        assert res.exit_code == 2, res.output
        assert text in res.output and "Traceback" not in res.output, res.output
        assert "re-export it" in res.output
    assert_unchanged(before, tmp_path)


def test_a_ctrl_c_inside_a_gl_call_counts_as_an_interruption():
    # SIGINT while ctypes converts a GL call's arguments surfaces as ctypes.ArgumentError
    # ('argument 3: KeyboardInterrupt: '); the run must end as interrupted (130), not failed (1)
    import ctypes

    from physreel.outputs.writer import interrupted

    assert interrupted(ctypes.ArgumentError("argument 3: KeyboardInterrupt: ", (17, 3)))
    assert not interrupted(ctypes.ArgumentError("argument 1: TypeError: wrong type"))
    assert not interrupted(ValueError("KeyboardInterrupt"))
