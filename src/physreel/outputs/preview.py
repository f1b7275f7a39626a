"""``preview.html``: a page to look at a render (or a dataset) in any browser.

Made only from files already written (``metadata.json``, the videos in each camera folder), so
it can be made again at any time (:func:`write_preview`, :func:`write_gallery`) and copied with
the folder.  A render's page shows, per camera, every video (``rgb.mp4``, the pass previews,
the conditioning videos) side by side and in sync (one play button, one frame slider), the
event timeline (click a line to jump there), the warnings and a metadata summary.  A dataset's
page shows every sample's video with its caption, each linked to the sample's own page.  The
pages are self-contained (no network, no external script) and record their state for tests:
``<body data-videos=N data-ready=K data-errors=E>``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from .timeline import timeline

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.2em;background:#f4f4f2;color:#222}
h1{font-size:1.4em;margin:.2em 0} h2{font-size:1.1em;margin:1.2em 0 .4em}
.grid{display:flex;flex-wrap:wrap;gap:10px}
figure{margin:0;background:#fff;padding:6px;border-radius:6px;box-shadow:0 1px 2px #0002}
figcaption{font-size:12px;color:#555;margin-top:4px;max-width:100%}
video{display:block;width:360px;max-width:100%;height:auto;background:#000}
.controls{display:flex;gap:10px;align-items:center;margin:.6em 0}
#slider{flex:1}
table{border-collapse:collapse;background:#fff} td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}
.timeline tr{cursor:pointer} .timeline tr:hover{background:#eef}
.warn{background:#fff4d6;border-left:4px solid #e0a800;padding:4px 8px;margin:3px 0}
.sample{width:260px} .sample video{width:256px}
"""

_SYNC = """
(function(){
  const body = document.body, videos = Array.from(document.querySelectorAll('video'));
  let ready = 0, errors = 0;
  body.dataset.videos = videos.length; body.dataset.ready = 0; body.dataset.errors = 0;
  window.addEventListener('error', () => { body.dataset.errors = ++errors; });
  videos.forEach(v => {
    if (v.readyState >= 2) { body.dataset.ready = ++ready; }
    else v.addEventListener('loadeddata', () => { body.dataset.ready = ++ready; }, {once: true});
    v.addEventListener('error', () => {
      body.dataset.errors = ++errors;
      console.error('cannot play ' + v.currentSrc);
    });
  });
  const master = videos[0], slider = document.getElementById('slider'), play = document.getElementById('play');
  const label = document.getElementById('time'), fps = Number(body.dataset.fps || 24);
  if (!master || !slider) return;
  const show = () => {
    const f = Math.round(master.currentTime * fps);
    label.textContent = master.currentTime.toFixed(3) + ' s, frame ' + f;
    slider.value = f;
  };
  const seek = t => { videos.forEach(v => { v.currentTime = t; }); show(); };
  master.addEventListener('timeupdate', () => {
    videos.forEach(v => { if (v !== master && Math.abs(v.currentTime - master.currentTime) > 0.5 / fps)
      v.currentTime = master.currentTime; });
    show();
  });
  play.addEventListener('click', () => {
    if (master.paused) { videos.forEach(v => v.play().catch(() => {})); play.textContent = 'pause'; }
    else { videos.forEach(v => v.pause()); play.textContent = 'play'; }
  });
  slider.addEventListener('input', () => { videos.forEach(v => v.pause()); play.textContent = 'play';
    seek(Number(slider.value) / fps + 0.5 / fps); });
  document.querySelectorAll('[data-time]').forEach(row => row.addEventListener('click', () => {
    videos.forEach(v => v.pause()); play.textContent = 'play'; seek(Number(row.dataset.time) + 0.5 / fps);
  }));
})();
"""


def videos_of(camera_dir: Path) -> list[Path]:
    """The videos of one camera folder: ``rgb.mp4`` first, then the passes, then the
    conditioning videos (``control/*.mp4``) and stylised ones (``stylized/*.mp4``), each group
    in name order."""
    camera_dir = Path(camera_dir)
    own = sorted(camera_dir.glob("*.mp4"), key=lambda p: (p.name != "rgb.mp4", p.name))
    return own + sorted(camera_dir.glob("control/*.mp4")) + sorted(camera_dir.glob("stylized/*.mp4"))


def write_preview(folder: str | Path) -> Path:
    """Write ``folder/preview.html`` for the render in ``folder`` and return its path.

    Parameters
    ----------
    folder : a physreel render folder (``metadata.json`` and camera folders)
    """
    folder = Path(folder)
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    fps = meta.get("fps", 24)
    name = meta.get("name", folder.name)
    parts = [f"<h1>{_e(name)}</h1>", f"<p>{_e(_summary(meta))}</p>"]
    parts += [f'<div class="warn">{_e(w)}</div>' for w in meta.get("warnings") or []]
    parts.append('<div class="controls"><button id="play">play</button>'
                 f'<input id="slider" type="range" min="0" max="{max(0, int(meta.get("num_frames", 1)) - 1)}" '
                 'value="0"><span id="time">0.000 s, frame 0</span></div>')
    for cam in meta.get("cameras") or {}:
        vids = videos_of(folder / cam)
        parts.append(f"<h2>camera {_e(cam)}</h2><div class=\"grid\">")
        for v in vids:
            rel = v.relative_to(folder).as_posix()
            label = v.relative_to(folder / cam).with_suffix("").as_posix()
            parts.append(f'<figure><video src="{_e(rel)}" muted playsinline preload="auto"></video>'
                         f"<figcaption>{_e(label)}</figcaption></figure>")
        parts.append("</div>")
    parents = {n: o.get("parent") for n, o in (meta.get("objects") or {}).items()
               if isinstance(o, dict) and o.get("parent")}
    rows = timeline(meta.get("events") or [], parents)
    parts.append(f"<h2>events ({len(meta.get('events') or [])})</h2>")
    if rows:
        parts.append('<table class="timeline"><tr><th>time</th><th>frame</th><th>event</th><th></th></tr>')
        parts += [f'<tr data-time="{r["time"]}"><td>{r["time"]:.3f} s</td><td>{r["frame"]}</td>'
                  f'<td>{_e(r["type"])}</td><td>{_e(r["text"])}</td></tr>' for r in rows]
        parts.append("</table>")
    else:
        parts.append("<p>none</p>")
    parts.append(_objects_table(meta))
    page = _page(f"physreel: {name}", "\n".join(parts), fps)
    out = folder / "preview.html"
    out.write_text(page, encoding="utf-8")
    return out


def write_gallery(batch_dir: str | Path, rows: list[dict[str, Any]] | None = None) -> Path:
    """Write ``batch_dir/preview.html``: every complete sample's video with its caption.

    Parameters
    ----------
    batch_dir : a batch folder
    rows : its index rows (default: read with :func:`physreel.batch.index.index_rows`)
    """
    batch_dir = Path(batch_dir)
    if rows is None:
        from ..batch.index import index_rows

        rows = index_rows(batch_dir)
    parts = [f"<h1>{_e(batch_dir.name)}</h1>",
             f"<p>{sum(1 for r in rows if r.get('path'))} samples</p>", '<div class="grid">']
    for r in rows:
        if not r.get("path"):
            continue
        video = Path(r["path"])
        sample = video.parent.parent
        page = sample / "preview.html"
        link = f' <a href="{_e(page.as_posix())}">details</a>' if (batch_dir / page).is_file() else ""
        parts.append(f'<figure class="sample"><video src="{_e(video.as_posix())}" muted loop playsinline '
                     f'preload="metadata" onmouseover="this.play()" onmouseout="this.pause()"></video>'
                     f"<figcaption><b>{_e(sample.name)}</b> {_e(r.get('text', ''))}{link}</figcaption></figure>")
    parts.append("</div>")
    out = batch_dir / "preview.html"
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(_page(f"physreel dataset: {batch_dir.name}", "\n".join(parts), 24, sync=False), encoding="utf-8")
    tmp.replace(out)
    return out


def _summary(meta: dict) -> str:
    res = meta.get("resolution") or ["?", "?"]
    phys = meta.get("physics") or {}
    bits = [f"{meta.get('duration', '?')} s at {meta.get('fps', '?')} fps ({meta.get('num_frames', '?')} frames)",
            f"{res[0]}x{res[1]}", f"seed {meta.get('seed', '?')}",
            f"physics {phys.get('rate', '?')} Hz", f"{len(meta.get('objects') or {})} bodies",
            f"{len(meta.get('cameras') or {})} camera(s)"]
    return ", ".join(bits)


def _objects_table(meta: dict) -> str:
    objs = meta.get("objects") or {}
    rows = [(n, o) for n, o in objs.items() if isinstance(o, dict) and not o.get("parent")]
    if not rows:
        return ""
    out = ["<h2>objects</h2><table><tr><th>name</th><th>id</th><th>class</th><th>material</th><th>mass (kg)</th>"
           "<th>shape</th></tr>"]
    for name, o in rows:
        shape = o.get("shape") or {}
        out.append(f"<tr><td>{_e(name)}</td><td>{_e(o.get('id', ''))}</td><td>{_e(o.get('class', ''))}</td>"
                   f"<td>{_e(o.get('material', ''))}</td><td>{_e(_num(o.get('mass')))}</td>"
                   f"<td>{_e(shape.get('type', ''))}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _num(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, (int, float)) else ""


def _e(v: Any) -> str:
    return html.escape(str(v), quote=True)


def _page(title: str, body: str, fps: float, sync: bool = True) -> str:
    script = f"<script>{_SYNC}</script>" if sync else (
        "<script>(function(){const b=document.body,v=Array.from(document.querySelectorAll('video'));"
        "let r=0,e=0;b.dataset.videos=v.length;b.dataset.ready=0;b.dataset.errors=0;"
        "v.forEach(x=>{if(x.readyState>=1){b.dataset.ready=++r}else{x.addEventListener('loadedmetadata',"
        "()=>{b.dataset.ready=++r},{once:true})}x.addEventListener('error',()=>{b.dataset.errors=++e;"
        "console.error('cannot play '+x.currentSrc)})});})();</script>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{_STYLE}</style></head>\n<body data-fps=\"{fps}\">\n{body}\n{script}\n</body></html>\n")
