"""preview.html: made from the files of a render (or a dataset), loads in a real browser with no
console errors and every video playable.  The browser test needs Debian's ``chromium`` (CI
installs it); without it that test is skipped, the page's content is still checked."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import physreel
from physreel.outputs.preview import videos_of, write_gallery, write_preview

SCENE = {
    "name": "preview_test", "duration": 0.5, "fps": 12, "resolution": [64, 48],
    "objects": [{"name": "ball", "shape": {"type": "sphere", "radius": 0.1}, "position": [0, 0, 0.5]},
                {"name": "box", "shape": {"type": "box", "size": [0.2, 0.2, 0.2]}, "position": [0.4, 0, 0.1]}],
    "cameras": [{"name": "front", "position": [0, -2, 0.5], "look_at": [0, 0, 0.2]},
                {"name": "side", "position": [2, 0, 0.5], "look_at": [0, 0, 0.2]}],
    "render": {"passes": ["rgb", "depth", "segmentation"], "control": ["canny"]},
}

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def render(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("preview") / "out"
    physreel.write(SCENE, out)
    return out


def test_every_render_has_a_preview_listing_every_video_and_event(render):
    page = (render / "preview.html").read_text()
    videos = [p.relative_to(render).as_posix() for cam in ("front", "side") for p in videos_of(render / cam)]
    assert len(videos) == 2 * 4  # rgb, depth, segmentation previews and the canny control, per camera
    assert re.findall(r'<video src="([^"]+)"', page) == videos
    meta = json.loads((render / "metadata.json").read_text())
    impacts = [e for e in meta["events"] if e["type"] == "impact"]
    assert impacts and page.count('<tr data-time="') >= len(impacts)
    assert "ball hits the floor" in page and "<td>box</td>" in page
    # made from the files alone: made again, it is the same page
    before = page
    write_preview(render)
    assert (render / "preview.html").read_text() == before


def _load_in_chromium(page: Path, tmp_path: Path) -> tuple[str, str]:
    """(DOM after the page's scripts ran, browser log) of ``page`` in headless Chromium."""
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    return proc.stdout, proc.stderr


def _state(dom: str) -> dict[str, int]:
    body = re.search(r"<body([^>]*)>", dom).group(1)
    return {k: int(v) for k, v in re.findall(r'data-(videos|ready|errors)="(\d+)"', body)}


@pytest.mark.skipif(CHROMIUM is None, reason="needs the chromium browser (Debian package 'chromium'; CI installs it)")
def test_preview_loads_in_a_browser_with_every_video_and_no_console_error(render, tmp_path):
    dom, log = _load_in_chromium(render / "preview.html", tmp_path)
    assert _state(dom) == {"videos": 8, "ready": 8, "errors": 0}, log[-2000:]
    assert "CONSOLE" not in log, [ln for ln in log.splitlines() if "CONSOLE" in ln]
    # the check can fail: a page with a missing video reports it
    broken = render / "broken.html"
    broken.write_text((render / "preview.html").read_text().replace("front/depth.mp4", "front/nope.mp4"))
    dom, log = _load_in_chromium(broken, tmp_path)
    broken.unlink()
    assert _state(dom) == {"videos": 8, "ready": 7, "errors": 1} and "CONSOLE" in log


@pytest.mark.skipif(CHROMIUM is None, reason="needs the chromium browser (Debian package 'chromium'; CI installs it)")
def test_dataset_gallery_shows_every_sample_with_its_caption(tmp_path):
    from physreel.batch.runner import run_batch

    (tmp_path / "t.yaml").write_text(
        "name: g\nduration: 0.25\nfps: 12\nresolution: [64, 48]\nobjects:\n  - name: ball\n"
        "    shape: {type: sphere, radius: 0.1}\n    position: [0, 0, {uniform: [0.5, 1.0]}]\n")
    run_batch(tmp_path / "t.yaml", tmp_path / "d", 2, workers=0)
    page = (tmp_path / "d" / "preview.html").read_text()
    for k in range(2):
        caption = (tmp_path / "d" / "samples" / f"{k:06d}" / "caption.txt").read_text().strip()
        assert caption and caption in page
        assert f'href="samples/{k:06d}/preview.html"' in page
    dom, log = _load_in_chromium(tmp_path / "d" / "preview.html", tmp_path)
    assert _state(dom) == {"videos": 2, "ready": 2, "errors": 0}, log[-2000:]
    assert "CONSOLE" not in log
    assert write_gallery(tmp_path / "d").read_text() == page
