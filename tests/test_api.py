"""The public API: one pipeline (build -> simulate -> render / write), arguments checked first."""

from __future__ import annotations

import numpy as np
import pytest

import physreel
from physreel.errors import ArgumentError, InputError, PhysreelError, RenderError, SceneError

SCENE = {
    "duration": 0.25, "fps": 12, "resolution": [64, 48],
    "objects": [{"name": "ball", "shape": {"type": "sphere", "radius": 0.1}, "position": [0, 0, 0.5]}],
    "cameras": [{"name": "main", "position": [0, -2, 0.5], "look_at": [0, 0, 0.3]}],
}


def _count_simulations(monkeypatch) -> list:
    import physreel.physics.simulate as sim

    calls = []
    real = sim.simulate

    def counting(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(sim, "simulate", counting)
    return calls


def test_render_checks_camera_and_passes_before_anything_runs(monkeypatch):
    calls = _count_simulations(monkeypatch)
    with pytest.raises(ArgumentError, match="no camera named 'side'"):
        physreel.render(SCENE, ["rgb"], camera="side")
    with pytest.raises(ArgumentError, match="did you mean 'depth'"):
        physreel.render(SCENE, ["rgb", "dpeth"])
    assert calls == []
    stream = physreel.render(SCENE, ["rgb"])  # valid: nothing simulated until iterated
    assert calls == []
    first = next(stream)
    assert calls == [1] and first["rgb"].shape == (48, 64, 3)


def test_write_reuses_a_trajectory_and_rejects_one_of_another_scene(tmp_path, monkeypatch):
    a = physreel.build(SCENE)
    traj = physreel.simulate(a)
    calls = _count_simulations(monkeypatch)
    res = physreel.write(a, tmp_path / "out", trajectory=traj)
    assert calls == [] and res.num_frames == 3
    meta = physreel.load(res.out).metadata
    assert np.allclose(meta["objects"]["ball"]["position"], traj.position[:, 0], atol=1e-6)
    other = physreel.simulate({**SCENE, "duration": 0.5})
    with pytest.raises(ArgumentError, match="does not belong to this scene"):
        physreel.write(a, tmp_path / "again", trajectory=other)
    assert not (tmp_path / "again").exists()


def test_write_never_replaces_a_folder_it_did_not_write(tmp_path, monkeypatch):
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("years of work")
    calls = _count_simulations(monkeypatch)
    with pytest.raises(ArgumentError, match="is not a physreel render.*--overwrite"):
        physreel.write(SCENE, mine)
    assert calls == [] and (mine / "chapter1.tex").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # nothing half-written
    # a previous render is replaced; an explicit overwrite replaces anything
    out = tmp_path / "render"
    physreel.write(SCENE, out)
    (out / "main" / "stale.txt").write_text("from before")
    physreel.write(SCENE, out)
    assert not (out / "main" / "stale.txt").exists()
    physreel.write(SCENE, mine, overwrite=True)
    assert not (mine / "chapter1.tex").exists() and (mine / "metadata.json").is_file()


def test_write_rejects_paths_through_files_and_the_current_folder(tmp_path, monkeypatch):
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(ArgumentError, match="is a file"):
        physreel.write(SCENE, afile / "sub")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ArgumentError, match="current or root folder"):
        physreel.write(SCENE, ".")
    assert afile.read_text() == "x"


def test_every_error_class_carries_its_exit_code():
    assert InputError.exit_code == ArgumentError.exit_code == SceneError.exit_code == 2
    assert PhysreelError.exit_code == RenderError.exit_code == physreel.SimulationError.exit_code == 1
