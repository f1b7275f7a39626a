"""The pass and control registries: a new pass is one registration, names and aliases, the
README and CLI help follow from the registry, and every control reads back as written."""

from __future__ import annotations

import json

import numpy as np
import pytest

import physreel
from conftest import ROOT, SCENES, scene_dict
from physreel.errors import ArgumentError, SceneError
from physreel.passes import (
    CONTROLS,
    PASSES,
    Control,
    Doc,
    ManifestInfo,
    Needs,
    Pass,
    register_control,
    register_pass,
)
from physreel.passes.storage import Npy, Png16Scaled

# ------------------------------------------------------------------- a pass added by a test


class MaxScale:
    """Clip-wide maximum of the toy pass (its 16-bit PNGs are scaled by it)."""

    def __init__(self) -> None:
        self.mx = 0.0

    def update(self, frame: np.ndarray) -> None:
        self.mx = max(self.mx, float(frame.max()))

    def result(self) -> float:
        return self.mx


def inverse_depth(frame, state) -> np.ndarray:
    """1 / depth in 1/m, 0 for background; computed from the depth pass, which is not written
    unless asked for."""
    d = frame["depth"]
    return np.divide(1.0, d, out=np.zeros_like(d), where=d > 0).astype(np.float32)


TOY_NPY = Npy("inverse_depth.npy", np.float32)
TOY_PNG = Png16Scaled("inverse_depth16", encode=lambda f, mx: np.rint(f / mx * 65535).astype(np.uint16))


def toy_manifest(m: ManifestInfo) -> dict:
    return {"file": TOY_NPY.pattern, "dtype": "float32", "shape": [m.frames, m.height, m.width],
            "units": "1/m", "range": [0.0, m.scale], "png16": TOY_PNG.pattern,
            "png16_decode": "value / 65535 * range[1]"}


TOY_PASS = Pass(
    name="inverse_depth", aliases=("invdepth",), compute=inverse_depth, needs=Needs(passes=("depth",)),
    storage=(TOY_NPY, TOY_PNG), scale=MaxScale, manifest=toy_manifest,
    preview=lambda files: ((f / files.scales["inverse_depth"] * 255).astype(np.uint8) for f in files.frames("inverse_depth")),
    doc=Doc("inverse depth (a test pass)", files="`inverse_depth.npy`", convention="float32 1/m"),
)
TOY_CONTROL = Control(
    name="far_mask", needs=("inverse_depth",), meaning="255 where farther than 3 m (a test control)",
    frame=lambda b, state: np.where((b["inverse_depth"] > 0) & (b["inverse_depth"] < 1 / 3), 255, 0).astype(np.uint8),
)


@pytest.fixture
def toy():
    register_pass(TOY_PASS)
    register_control(TOY_CONTROL)
    try:
        yield
    finally:
        CONTROLS.remove("far_mask")
        PASSES.remove("inverse_depth")


def _calibration(duration: float = 0.5):
    """The calibration scene (tests/test_ground_truth.py) small: 80x60 at 12 fps."""
    return physreel.with_overrides(physreel.load_scene(SCENES / "calibration.yaml"), resolution=[80, 60],
                                   duration=duration)


def test_a_registered_pass_is_rendered_written_in_the_manifest_and_read_back(toy, tmp_path):
    sc = _calibration()
    # streamed: the toy pass is 1 / depth of the same frame
    for b in physreel.render(sc, passes=["invdepth", "depth"]):
        d = b["depth"]
        assert np.allclose(b["inverse_depth"][d > 0], 1 / d[d > 0]) and (b["inverse_depth"][d == 0] == 0).all()
    # written: its files, its preview, its manifest entry and its control; depth only computed
    out = tmp_path / "r"
    physreel.write(sc, out, passes=["rgb", "inverse_depth"], controls=["far_mask"])
    cam = physreel.load(out).cameras["main"]
    files = {p.relative_to(cam.folder).as_posix() for p in cam.folder.rglob("*") if p.is_file()}
    assert {"inverse_depth.npy", "inverse_depth16/00005.png", "inverse_depth.mp4",
            "control/far_mask.mp4", "control/far_mask/00000.png"} <= files
    assert "depth.npy" not in files and not any(f.startswith("inverse_depth16/.") for f in files)
    assert cam.passes == ["rgb", "inverse_depth"]
    inv = cam.read("inverse_depth")
    assert inv.shape == (6, 60, 80) and inv.dtype == np.float32
    entry = cam.manifest["passes"]["inverse_depth"]
    assert entry["range"] == [0.0, pytest.approx(float(inv.max()))] and entry["units"] == "1/m"
    # the nearest point is the floor under the bottom row: a level camera 1 m up sees it at
    # z = fy / (v + 0.5 - cy) metres
    K = np.array(physreel.load(out).metadata["cameras"]["main"]["K"][0])
    assert inv.max() == pytest.approx((59.5 - K[1, 2]) / K[1, 1], rel=1e-3)
    # the scaled 16-bit PNGs decode with the manifest's rule to the float values
    from physreel.outputs.formats import read_png16

    png = read_png16(cam.folder / "inverse_depth16" / "00003.png").astype(np.float64)
    assert np.abs(png / 65535 * entry["range"][1] - inv[3]).max() <= entry["range"][1] / 65535
    # the control reads back and is what its definition says
    mask = cam.read_control("far_mask")
    assert mask.shape == (6, 60, 80) and set(np.unique(mask)) == {0, 255}
    assert (mask == np.where((inv > 0) & (inv < 1 / 3), 255, 0)).all()


def test_a_registered_pass_is_a_valid_scene_name_in_the_schema_help_and_readme_table(toy):
    from click.testing import CliRunner

    from physreel.cli import main
    from physreel.passes.docs import passes_table

    sc = physreel.load_scene_data(scene_dict([], render={"passes": ["invdepth"], "control": ["far_mask"]}))
    assert sc.render.passes == ["inverse_depth"] and sc.render.control == ["far_mask"]
    schema = physreel.Scene.model_json_schema()["$defs"]["RenderSettings"]["properties"]
    assert "inverse_depth" in schema["passes"]["items"]["enum"] and "far_mask" in schema["control"]["items"]["enum"]
    assert "inverse_depth" in CliRunner().invoke(main, ["render", "--help"]).output
    assert "| `inverse_depth` | `inverse_depth.npy` | float32 1/m |" in passes_table()


def test_registering_checks_names_and_needs():
    with pytest.raises(ValueError, match="already registered"):
        register_pass(Pass(name="depth_copy", aliases=("depth",), compute=lambda f, s: None))
    with pytest.raises(ValueError, match="needs \\['seg', 'uv'\\]"):
        register_pass(Pass(name="x", compute=lambda f, s: None, needs=Needs(passes=("seg",), render=("uv",))))
    with pytest.raises(ValueError, match="exactly one of frame= or clip="):
        Control(name="y", needs=(), meaning="")
    assert "depth_copy" not in PASSES and "x" not in PASSES


def test_bundles_answer_to_aliases_and_name_what_is_missing():
    data = scene_dict([], duration=0.1, resolution=[32, 24])
    b = next(iter(physreel.render(data, passes=["seg"])))
    assert list(b) == ["segmentation"] and b["seg"] is b["segmentation"] and (b["seg"] == 1).any()
    with pytest.raises(KeyError, match="pass 'depth' was not rendered; this bundle has segmentation"):
        b["depth"]


# --------------------------------------------------------------------------------- names


def test_passes_and_controls_accept_the_same_names_and_all():
    from physreel.passes import resolve_controls, resolve_outputs, resolve_passes

    assert resolve_passes(["normal", "seg", "normals"]) == ["segmentation", "normals"]
    assert resolve_controls(["normals", "segmentation"]) == ["normal", "seg"]
    assert resolve_passes("rgb, all") == PASSES.names and len(PASSES.names) == 11
    assert resolve_controls("all") == CONTROLS.names
    passes, controls = resolve_outputs(["rgb"], ["edges"])
    assert passes == ["rgb", "depth", "segmentation", "normals"] and controls == ["edges"]


@pytest.mark.parametrize("call, message", [
    (lambda: physreel.passes.resolve_passes(["dept"]), "unknown pass 'dept' (did you mean 'depth'?)"),
    (lambda: physreel.passes.resolve_passes(["edges"]), "'edges' is a control, not a pass"),
    (lambda: physreel.passes.resolve_controls(["nromal"]), "unknown control 'nromal' (did you mean 'normal'?)"),
    (lambda: physreel.passes.resolve_controls(["boxes"]), "'boxes' is a pass, not a control"),
])
def test_unknown_names_raise_argument_error_with_did_you_mean(call, message):
    import physreel.passes  # noqa: F401

    with pytest.raises(ArgumentError) as e:
        call()
    assert message in str(e.value) and "(or all)" in str(e.value)


def test_scene_files_accept_aliases_and_report_unknown_names_with_line_and_hint(tmp_path):
    p = tmp_path / "s.yaml"
    ball = "objects: [{name: b, shape: {type: sphere, radius: 0.1}}]\n"  # a scene file films something
    p.write_text("name: t\nrender:\n  passes: [rgb, seg, normal]\n  control: [segmentation, all]\n" + ball)
    sc = physreel.load_scene(p)
    assert sc.render.passes == ["rgb", "segmentation", "normals"] and sc.render.control == CONTROLS.names
    p.write_text("name: t\nrender:\n  passes: [rgb, flow_foward]\n  control: [edge]\n" + ball)
    with pytest.raises(SceneError) as e:
        physreel.load_scene(p)
    text = str(e.value)
    assert "s.yaml:3:" in text and "render.passes[1]: unknown pass 'flow_foward' (did you mean 'flow_forward'?)" in text
    assert "s.yaml:4:" in text and "render.control[0]: unknown control 'edge' (did you mean 'edges'?)" in text


def test_cli_names_blame_the_flag(tmp_path):
    from click.testing import CliRunner

    from physreel.cli import main

    r = CliRunner().invoke(main, ["render", str(SCENES / "calibration.yaml"), "-o", str(tmp_path / "o"),
                                  "--passes", "rgb,segmentaton"])
    assert r.exit_code == 2 and "--passes: unknown pass 'segmentaton' (did you mean 'segmentation'?)" in r.output
    assert not (tmp_path / "o").exists()
    r = CliRunner().invoke(main, ["batch", str(SCENES / "templates" / "falling_objects.yaml"), "-n", "1",
                                  "-o", str(tmp_path / "b"), "-p", "rgb,nromals"])
    assert r.exit_code == 2 and "--passes: unknown pass 'nromals' (did you mean 'normals'?)" in r.output
    assert not (tmp_path / "b").exists()
    from physreel.cli_batch import _passes

    assert _passes(("depth,seg", "normal")) == ("depth", "segmentation", "normals") and _passes(("all",)) == tuple(PASSES.names)


def test_reader_accepts_aliases_and_names_what_is_missing(tmp_path):
    out = tmp_path / "r"
    physreel.write(_calibration(duration=0.25), out, passes=["seg"], controls=["normals"])
    cam = physreel.load(out).cameras["main"]
    assert cam.passes == ["segmentation", "normals"] and cam.controls == ["normal"]
    assert np.array_equal(cam.read("seg"), cam.read("segmentation"))
    assert cam.read_control("normals").shape == (3, 60, 80, 3)
    with pytest.raises(ArgumentError, match="has no pass 'depth'"):
        cam.read("depth")
    with pytest.raises(ArgumentError, match="did you mean 'depth'"):
        cam.read("dpeth")
    with pytest.raises(ArgumentError, match="has no control 'edges'.*--control edges"):
        cam.read_control("edges")


# ---------------------------------------------------------------- what was written reads back


def test_every_control_reads_back_as_its_definition_computes_it(tmp_path):
    from physreel.outputs.control import (
        ADE20K_PALETTE,
        ade20k_class,
        canny,
        depth_control,
        edges_geometric,
        normal_control,
        tracking_video,
    )

    out = tmp_path / "r"
    # exact float arrays: the controls are made from the exact values (the compact storage's
    # are within max_error of them; test_storage checks that its controls are the same)
    physreel.write(_calibration(), out, passes=["rgb"], controls=["all"], frames_png=True, storage="npy")
    r = physreel.load(out)
    cam = r.cameras["main"]
    assert cam.controls == CONTROLS.names
    depth, seg, normals, rgb = cam.read("depth"), cam.read("segmentation"), cam.read("normals"), cam.read("rgb")
    near, far = cam.manifest["passes"]["depth"]["range"]
    K = np.array(r.metadata["cameras"]["main"]["K"])
    tracks = list(tracking_video(cam.read("tracks"), 80, 60))
    got = {k: cam.read_control(k) for k in CONTROLS.names}
    for t in range(6):
        assert np.array_equal(got["depth"][t], depth_control(depth[t], near, far))
        assert np.array_equal(got["normal"][t], normal_control(normals[t]))
        assert np.array_equal(got["edges"][t], edges_geometric(seg[t], depth[t], normals[t], K=K[t]))
        assert np.array_equal(got["canny"][t], canny(rgb[t]))
        # seg: one ADE20K colour per instance (the floor's is ADE20K "floor"), background black
        for i in np.unique(seg[t]):
            colours = np.unique(got["seg"][t][seg[t] == i], axis=0)
            assert len(colours) == 1 and (i != 1 or (colours[0] == ADE20K_PALETTE[ade20k_class("floor")]).all())
            assert i != 0 or (colours[0] == 0).all()
        assert np.array_equal(got["tracks"][t], tracks[t])
    # the images hold what they must: near is white in depth, edges exist, the sphere is coloured
    assert got["depth"][0].max() == 255 and got["edges"][0].any() and got["seg"][0].any()


@pytest.mark.parametrize("storage", ["compact", "npy"])
def test_manifest_entries_come_from_the_registry(tmp_path, storage):
    out = tmp_path / "r"
    physreel.write(_calibration(duration=0.25), out, passes=["all"], flo=True, storage=storage)
    man = json.loads((out / "main" / "manifest.json").read_text())
    assert list(man["passes"]) == PASSES.names and man["storage"] == storage
    options = {"flo": True, "frames_png": False, "storage": storage}
    for name, entry in man["passes"].items():
        written = [st for st in PASSES[name].storage if st.enabled(options)]
        for st in PASSES[name].storage:  # what the storage option selects is there, nothing else
            assert st.exists(out / "main") == (st in written), (name, st.pattern)
        assert [f["pattern"] for f in entry["files"]] == [st.pattern for st in written]
        assert entry["file"] == next(st.pattern for st in written if st.clip) or name == "rgb"
    assert man["passes"]["flow_forward"]["flo"] == "flow_forward/{frame:05d}.flo"


# ------------------------------------------------------------------------------------- docs


def test_readme_tables_match_the_registry():
    """The README's tables of passes and controls and its `render` rows are generated from the
    registries; regenerate with `python -m physreel.passes.docs README.md`."""
    from physreel.passes.docs import update_readme

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert update_readme(readme) == readme, "run: python -m physreel.passes.docs README.md"


def test_cli_help_lists_every_registered_name():
    from click.testing import CliRunner

    from physreel.cli import main

    text = " ".join(CliRunner().invoke(main, ["render", "--help"]).output.split())
    for name in PASSES.names + CONTROLS.names + ["seg=segmentation", "normals=normal"]:
        assert name in text


def test_the_readme_example_pass_runs_as_written():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("import numpy as np\nfrom physreel.passes import Doc, Needs, Pass, register_pass")
    code = readme[start:readme.index("```", start)]
    try:
        exec(compile(code, "README.md", "exec"), {})
        data = scene_dict([], duration=0.1, resolution=[32, 24], cameras=[{"position": [0, 0, 2], "look_at": [0, 0, 0], "up": [0, 1, 0]}])
        b = next(iter(physreel.render(data, passes=["inverse_depth", "depth"])))
        assert np.allclose(b["inverse_depth"], 1 / b["depth"], rtol=1e-6)  # all floor, 2 m below
    finally:
        if "inverse_depth" in PASSES:
            PASSES.remove("inverse_depth")
