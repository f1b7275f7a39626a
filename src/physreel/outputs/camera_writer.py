"""Writing one camera folder from the registries: passes streamed frame by frame while they are
rendered, previews and clip-wide controls after the last frame, then ``manifest.json``.

What is written for each pass or control (files, dtypes, encodings, manifest entries, previews)
is declared by its entry in :mod:`physreel.passes`; this module only drives them:

- every storage of a requested pass (``Pass.storage``, switched on by ``frames_png`` / ``flo``);
- ``<pass>.mp4``, the pass's preview (``Pass.preview``), one range for the whole clip;
- ``control/<kind>/NNNNN.png`` + ``control/<kind>.mp4`` per control: per-frame controls
  (``Control.frame``) while streaming, clip-wide ones (``Control.clip``) at the end.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from ..errors import ArgumentError
from ..passes import CONTROLS, PASSES, Clip, ManifestInfo, resolve_controls, resolve_passes
from ..passes.files import ClipFiles
from ..passes.storage import COMPACT, STORAGE_MODES, Sink, Target, Video
from ..rendering.stream import FrameBundle


class CameraWriter:
    """Consumes the frame bundles of one camera and writes its folder.

    Parameters
    ----------
    folder : the camera folder (created)
    clip : the camera's clip (the same one given to ``render_passes``)
    passes : pass names to write (every pass the controls need must be among them)
    controls : control names
    frames_png : also write the ``frames_png`` storages (``rgb/NNNNN.png``)
    flo : also write the ``flo`` storages (``flow_*/NNNNN.flo``)
    crf : x264 quality of every video
    storage : ``"compact"`` (16-bit and 1-bit PNGs, decoded within the bound the manifest states)
        or ``"npy"`` (exact float arrays); see :mod:`physreel.passes.storage`
    """

    def __init__(self, folder: Path, clip: Clip, passes: Sequence[str], controls: Sequence[str] = (), *,
                 frames_png: bool = False, flo: bool = False, crf: int = 18, storage: str = COMPACT):
        self.dir = Path(folder)
        self.clip = clip
        self.passes, self.controls = resolve_passes(passes), resolve_controls(controls)
        for kind in self.controls:
            missing = [p for p in CONTROLS[kind].needs if p not in self.passes]
            if missing:
                raise ArgumentError(f"control {kind!r} is made from the passes {', '.join(missing)}; "
                                    "render them too (physreel.passes.resolve_outputs adds them)")
        if storage not in STORAGE_MODES:
            raise ArgumentError(f"storage must be one of {', '.join(STORAGE_MODES)}, got {storage!r}")
        self.options = {"frames_png": frames_png, "flo": flo, "storage": storage}
        self.dir.mkdir(parents=True, exist_ok=True)
        self.target = Target(self.dir, clip.num_frames, clip.height, clip.width, clip.fps, crf, self.options)
        self._sinks: dict[str, list[tuple[Any, Sink]]] = {}
        self._scales = {n: PASSES[n].scale() for n in self.passes if PASSES[n].scale is not None}
        self._frame_controls: dict[str, tuple[Any, list[Sink]]] = {}
        try:
            for name in self.passes:
                self._sinks[name] = [(st, st.open(self.target)) for st in PASSES[name].storage
                                     if st.enabled(self.options)]
            for kind in self.controls:
                spec = CONTROLS[kind]
                if spec.frame is not None:
                    state = spec.setup(clip) if spec.setup is not None else None
                    self._frame_controls[kind] = (state, [st.open(self.target) for st in spec.storage])
        except BaseException:
            self.abort()
            raise

    # ---------------------------------------------------------------- streaming
    def write(self, b: FrameBundle) -> None:
        """Write one frame of every pass (and of the per-frame controls)."""
        f = b.frame
        for name in self.passes:
            value = b[name]
            for _, sink in self._sinks[name]:
                sink.write(f, value)
            if name in self._scales:
                self._scales[name].update(value)
        for kind, (state, sinks) in self._frame_controls.items():
            img = CONTROLS[kind].frame(b, state)
            for sink in sinks:
                sink.write(f, img)

    def abort(self) -> None:
        """Release open files and encoders after a failure (the folder is discarded)."""
        for sink in self._all_sinks():
            sink.abort()

    def _all_sinks(self) -> list[Sink]:
        return [s for sinks in self._sinks.values() for _, s in sinks] + \
               [s for _, sinks in self._frame_controls.values() for s in sinks]

    # ---------------------------------------------------------------- finishing
    def finish(self, results: dict[str, Any] | None = None) -> dict:
        """Close the streams, write previews and clip-wide controls and ``manifest.json``.

        Parameters
        ----------
        results : the clip-level values of the passes (``PassStream.results``: the tracks)

        Returns
        -------
        dict : the manifest
        """
        results = dict(results or {})
        scales = {n: acc.result() for n, acc in self._scales.items()}
        # Each file is its own job (encoding the buffered passes, closing the videos), run side by
        # side: numpy, zlib and the encoders' pipes release the GIL.  Each job writes its own
        # files, so the bytes do not depend on the order.
        closing = [(name, st, sink) for name, sinks in self._sinks.items() for st, sink in sinks]
        done = parallel([lambda n=name, s=sink: s.close(results.get(n), scales.get(n)) for name, _, sink in closing]
                        + [sink.close for _, sinks in self._frame_controls.values() for sink in sinks])
        files_entries: dict[str, list[dict]] = {name: [] for name in self._sinks}
        for (name, st, _), encoding in zip(closing, done[:len(closing)], strict=True):
            files_entries[name].append({**st.describe(), **(encoding or {})})
        encodings = {n: {e["pattern"]: e for e in entries} for n, entries in files_entries.items()}
        exact = {n: sink.exact for n, sinks in self._sinks.items() for _, sink in sinks if sink.exact is not None}
        files = ClipFiles(self.dir, self.clip, {n: PASSES[n] for n in self.passes}, scales, results, encodings,
                          exact)
        jobs = []
        for name in self.passes:
            if PASSES[name].preview is not None:
                jobs.append(lambda n=name: self._preview(n, files))
        for kind in self.controls:
            if CONTROLS[kind].clip is not None:
                jobs.append(lambda k=kind: self._clip_control(k, files))
        parallel(jobs)
        for sink in self._all_sinks():
            sink.release()
        manifest = build_manifest(self.clip, self.passes, self.controls, self.options, scales, results,
                                  files_entries)
        (self.dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
        return manifest

    def _preview(self, name: str, files: ClipFiles) -> None:
        frames = PASSES[name].preview(files)
        if frames is not None:
            self._encode([Video(f"{name}.mp4")], frames)

    def _clip_control(self, kind: str, files: ClipFiles) -> None:
        spec = CONTROLS[kind]
        state = spec.setup(self.clip) if spec.setup is not None else None
        self._encode(spec.storage, spec.clip(files, state))

    def _encode(self, storages, frames) -> None:
        sinks = [st.open(self.target) for st in storages]
        try:
            for i, fr in enumerate(frames):
                for sink in sinks:
                    sink.write(i, fr)
        except BaseException:
            for sink in sinks:
                sink.abort()
            raise
        for sink in sinks:
            sink.close()


#: Most jobs of :func:`parallel` at once.
MAX_WORKERS = 4


def parallel(jobs: Sequence[Callable[[], Any]]) -> list:
    """Run ``jobs`` side by side in threads (at most :data:`MAX_WORKERS`, one per CPU) and return
    their results in order; once all have ended, the first failure (in job order) is raised."""
    workers = min(len(jobs), MAX_WORKERS, os.cpu_count() or 1)
    if workers <= 1:
        return [job() for job in jobs]
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="physreel-finish")
    futures = [pool.submit(job) for job in jobs]
    try:
        wait(futures)
    except BaseException:  # Ctrl-C: start nothing new, let the running jobs end before cleaning up
        for f in futures:
            f.cancel()
        pool.shutdown(wait=True)
        raise
    pool.shutdown()
    return [f.result() for f in futures]


def build_manifest(clip: Clip, passes: Sequence[str], controls: Sequence[str], options: dict,
                   scales: dict, values: dict, files: dict[str, list[dict]] | None = None) -> dict:
    """Every file of the camera folder: pattern, dtype, shape, units, range, polarity, decode
    rule (each pass's ``Pass.manifest``) and the controls.

    The manifest says which ``storage`` option wrote the folder; each pass's entry also gets
    ``files`` (every written storage: pattern, format, decode rule and the clip's encoding
    parameters), ``file`` (the pattern it is read back from, unless the pass names it) and
    ``max_error`` (how far the values ``physreel.load`` returns may be from the computed ones:
    0 = exact)."""
    m: dict = {"frames": clip.num_frames, "width": clip.width, "height": clip.height, "fps": clip.fps,
               "storage": options.get("storage", COMPACT), "passes": {}}
    for name in passes:
        info = ManifestInfo(clip.num_frames, clip.height, clip.width, clip.fps, options,
                            scales.get(name), values.get(name), clip)
        entry = PASSES[name].manifest(info)
        if entry is None:
            continue
        written = (files or {}).get(name, [])
        clip_files = [f for st, f in zip([s for s in PASSES[name].storage if s.enabled(options)], written,
                                         strict=True) if st.clip]
        if clip_files:
            entry.setdefault("file", clip_files[0]["pattern"])
            if "max_error" in clip_files[0]:
                entry.setdefault("max_error", clip_files[0]["max_error"])
        if written:
            entry["files"] = written
        m["passes"][name] = entry
    if controls:
        m["control"] = {k: CONTROLS[k].manifest() for k in controls}
    return m
