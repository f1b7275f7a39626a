"""The CLI: bad input gets a clear error (file, line, field), exit code 2, no traceback and
no output folder; good input renders and prints one summary line."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from conftest import ROOT, SCENES
from physreel.cli import main

GOOD_OBJ = "  - {name: ball, shape: {type: sphere, radius: 0.1}, position: [0, 0, 1]}\n"


def _scene(tmp_path, body: str, name="bad.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(body))
    return p


BAD_CASES = {
    "malformed_yaml": ("objects: [\n  - {name: a\n", 2, "malformed YAML"),
    "unknown_key": ("objects:\n  - name: a\n    shape: {type: sphere, radius: 0.1}\n    positon: [0, 0, 1]\n",
                    4, "objects[0].positon: unknown field 'positon'; did you mean 'position'?"),
    "wrong_type": ("fps: fast\n", 1, "fps: input should be a valid integer"),
    "negative_size": ("objects:\n  - name: a\n    shape: {type: box, size: [0.1, -0.2, 0.1]}\n",
                      3, "objects[0].shape.size[1]: input should be greater than 0"),
    "zero_mass": ("objects:\n  - name: a\n    shape: {type: sphere, radius: 0.1}\n    mass: 0\n",
                  4, "objects[0].mass: input should be greater than 0"),
    "missing_mesh": ("objects:\n  - name: a\n    shape: {type: mesh, file: nowhere/duck.glb}\n",
                     3, "objects[0].shape.file: mesh file not found"),
    "unknown_material": ("objects:\n  - name: a\n    shape: {type: sphere, radius: 0.1}\n    material: rubbber\n",
                         4, "unknown material 'rubbber'; did you mean 'rubber'?"),
    "duplicate_names": ("objects:\n" + GOOD_OBJ + GOOD_OBJ, 3, "duplicate object name 'ball'"),
    "camera_at_target": ("cameras:\n  - {position: [1, 2, 3], look_at: [1, 2, 3]}\n", 2, "look_at equals its position"),
    "unknown_shape": ("objects:\n  - name: a\n    shape: {type: shpere, radius: 0.1}\n", 3, "did you mean 'sphere'?"),
    "odd_resolution": ("resolution: [641, 480]\n", 1, "must be even"),
    "mesh_collision_on_moving_object": (f"objects:\n  - name: a\n    shape: {{type: mesh, file: {ROOT / 'assets' / 'Duck.glb'}, collision: mesh}}\n",
                                        3, "objects[0].shape.collision: collision: mesh (exact triangles) works only for static objects"),
    "bad_colour": ("objects:\n  - name: a\n    shape: {type: sphere, radius: 0.1}\n    color: [255, 0, 0]\n", 4, "write a hex colour"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_scene_gives_exit_2_with_file_line_and_field(tmp_path, case):
    body, line, text = BAD_CASES[case]
    path = _scene(tmp_path, body)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["render", str(path), "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert f"{path}:{line}" in res.output, res.output
    assert text in res.output, res.output
    assert "Traceback" not in res.output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.yaml"]


def test_every_error_of_a_file_is_listed_at_once(tmp_path):
    path = _scene(tmp_path, "fps: 0\nobjects:\n  - name: a\n    shape: {type: sphere}\n    material: glas\n")
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exit_code == 2
    assert "3 errors" in res.output
    for frag in ("fps", "objects[0].shape.radius", "did you mean 'glass'"):
        assert frag in res.output


def test_mesh_file_that_is_not_a_mesh_gives_exit_2_and_no_output(tmp_path):
    junk = tmp_path / "junk.obj"
    junk.write_bytes(b"\x00\x01 this is not a mesh at all \xff" * 10)
    path = _scene(tmp_path, "objects:\n  - name: a\n    shape: {type: mesh, file: junk.obj}\n")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["render", str(path), "-o", str(out), "--resolution", "32x24", "--duration", "0.1"])
    assert res.exit_code == 2, res.output
    assert "junk.obj" in res.output and "Traceback" not in res.output
    assert f"{path}:3: objects[0].shape.file ('a')" in res.output
    assert not out.exists()


def test_real_process_prints_no_traceback(tmp_path):
    path = _scene(tmp_path, "objects:\n  - name: a\n    shape: {type: sphere, radius: -1}\n")
    proc = subprocess.run([sys.executable, "-m", "physreel.cli", "render", str(path)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "objects[0].shape.radius" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "renders").exists()


def test_render_command_writes_video_and_prints_summary(tmp_path):
    out = tmp_path / "o"
    res = CliRunner().invoke(main, ["render", str(SCENES / "bouncing_balls.yaml"), "-o", str(out),
                                    "--resolution", "64x36", "--duration", "0.5", "--fps", "12", "--seed", "4", "--frames-png"])
    assert res.exit_code == 0, res.output
    assert (out / "main" / "rgb.mp4").stat().st_size > 0
    assert len(list((out / "main" / "rgb").glob("*.png"))) == 6
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["resolution"] == [64, 36] and meta["fps"] == 12 and meta["seed"] == 4
    line = res.output.strip().splitlines()[-1]
    assert "rgb.mp4" in line and "6 frames" in line and "frames/s" in line


def test_bad_cli_arguments_exit_2(tmp_path):
    res = CliRunner().invoke(main, ["render", str(SCENES / "bouncing_balls.yaml"), "--resolution", "big"])
    assert res.exit_code == 2 and "WIDTHxHEIGHT" in res.output
    res = CliRunner().invoke(main, ["render", str(tmp_path / "none.yaml")])
    assert res.exit_code == 2 and "file not found" in res.output


def test_schema_is_json_schema_of_the_scene():
    res = CliRunner().invoke(main, ["schema"])
    assert res.exit_code == 0
    schema = json.loads(res.output)
    assert "objects" in schema["properties"] and "Sphere" in schema["$defs"]


def test_validate_accepts_every_example_scene():
    scenes = sorted(str(p) for p in SCENES.glob("*.yaml"))
    res = CliRunner().invoke(main, ["validate", *scenes])
    assert res.exit_code == 0, res.output
    assert res.output.count(": ok") == len(scenes)


def test_json_scene_has_the_same_schema(tmp_path):
    p = tmp_path / "s.json"
    p.write_text(json.dumps({"name": "j", "objects": [{"name": "a", "shape": {"type": "sphere", "radiuss": 1}}]}, indent=1))
    res = CliRunner().invoke(main, ["validate", str(p)])
    assert res.exit_code == 2 and "did you mean 'radius'" in res.output and f"{p}:" in res.output


def test_readme_example_root_exists():
    assert (ROOT / "README.md").exists()


def test_missing_texture_renders_with_one_warning(tmp_path):
    import shutil

    from conftest import ASSETS

    for name in ("fuze.obj", "fuze.obj.mtl"):  # the .mtl names "fuze uv.jpg", left behind
        shutil.copy(ASSETS / name, tmp_path / name)
    path = _scene(tmp_path, "objects:\n  - {name: bottle, shape: {type: mesh, file: fuze.obj, size: 0.3}, position: [0, 0, 0.2]}\n")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["render", str(path), "-o", str(out), "--resolution", "48x32", "--duration", "0.1"])
    assert res.exit_code == 0, res.output
    # once, naming the object and its file, on screen and in the metadata
    assert res.output.count("texture 'fuze uv.jpg' not found") == 1
    assert "warning: objects[0] 'bottle' (" in res.output and "fuze.obj): texture 'fuze uv.jpg'" in res.output
    meta = json.loads((out / "metadata.json").read_text())
    assert len(meta["warnings"]) == 1 and meta["warnings"][0].startswith("objects[0] 'bottle' (")
    assert "fuze uv.jpg" in meta["warnings"][0]
