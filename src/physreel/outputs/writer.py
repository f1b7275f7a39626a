"""Writing a render folder: every camera of one simulation, atomically.

The folder appears complete or not at all: everything is written to a temporary sibling which
is renamed when done.  An existing folder is replaced only when it holds a physreel render (or
is empty), or when the caller says ``overwrite=True``: physreel never deletes what it did not
write.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..assembly import Assembly
from ..errors import ArgumentError, PhysreelError, RenderError
from ..physics.trajectory import Trajectory
from ..rendering.stream import camera_views, open_renderer
from ..scene.yamlio import dump, relative_paths
from .metadata import build_metadata, write_json
from .preview import write_preview

Progress = Callable[[str, int, int], None]


@dataclass
class RenderResult:
    """What one render produced.

    Attributes
    ----------
    out : Path
        The output folder.
    num_frames : int
        Frames per camera.
    seconds : float
        Wall time of rendering and writing (the simulation is timed by its caller).
    fps : float
        Rendered frames per second over all cameras (frames x cameras / seconds).
    videos : list of Path
        The RGB videos, one per camera.
    warnings : list of str
        Things the user should know that did not stop the render (e.g. a missing texture),
        each once; also in metadata.json.
    """

    out: Path
    num_frames: int
    seconds: float
    fps: float
    videos: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_render_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a physreel render: ``metadata.json`` and at least one camera
    folder with a ``manifest.json``."""
    folder = Path(folder)
    if not (folder / "metadata.json").is_file():
        return False
    return any((sub / "manifest.json").is_file() for sub in folder.iterdir() if sub.is_dir())


def check_output_folder(out: Path, *, overwrite: bool = False, what: str = "physreel render",
                        is_ours: Callable[[Path], bool] = is_render_folder, flag: str = "-o",
                        can_overwrite: bool = True) -> None:
    """Raise :class:`ArgumentError` unless ``out`` can be written and later replaced safely.

    Called before anything is simulated or rendered.  ``out`` may not exist yet (its parent
    folders are created), may be an empty folder, or a folder that ``is_ours`` recognises
    (a previous render); anything else needs ``overwrite`` (offered in the message only when
    ``can_overwrite``).  ``flag`` is the option the message tells the user to change.
    """
    out = Path(out)
    resolved = out.resolve()
    if resolved == Path.cwd().resolve() or resolved.parent == resolved:
        raise ArgumentError(f"output folder '{out}' is the current or root folder, which cannot be replaced; "
                            f"choose a new folder name, e.g. {flag} renders/my_render")
    for parent in [out, *out.parents]:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                which = "the output path" if parent == out else f"'{parent}' (a folder above it)"
                raise ArgumentError(f"cannot write '{out}': {which} is a file, not a folder; choose another {flag}")
            break
    if out.is_dir():
        if not os.access(out.parent, os.W_OK):
            raise ArgumentError(f"cannot write next to '{out}': no permission to write in '{out.parent}'")
        if any(out.iterdir()) and not is_ours(out) and not overwrite:
            fix = (f"choose another {flag} or pass --overwrite (which deletes what the folder holds)"
                   if can_overwrite else f"choose another {flag} (physreel never writes into a folder it did not make)")
            raise ArgumentError(f"'{out}' exists and is not a {what}; {fix}")


def write_render(
    assembly: Assembly,
    trajectory: Trajectory,
    out: str | os.PathLike,
    *,
    passes: Sequence[str],
    controls: Sequence[str],
    frames_png: bool = False,
    flo: bool = False,
    overwrite: bool = False,
    progress: Progress | None = None,
    record: SimulationRecord | None = None,
    storage: str | None = None,
) -> RenderResult:
    """Render every camera of a simulated scene into folder ``out`` (atomically).

    Parameters
    ----------
    assembly : the built scene
    trajectory : its simulation
    out : output folder (see :func:`check_output_folder`)
    passes : pass names (already checked, including those the controls need)
    controls : conditioning exports
    frames_png : also write every RGB frame as ``<camera>/rgb/NNNNN.png``
    flo : also write flow as Middlebury ``.flo`` files
    overwrite : replace ``out`` even when it is not a physreel render
    progress : called as ``progress("render", done, total)``
    record : the simulation's :class:`SimulationRecord`, when the caller made it already
    storage : ``"compact"`` or ``"npy"`` (default: the scene's ``render.storage``; see
        :mod:`physreel.passes.storage`)
    """
    t0 = time.perf_counter()
    out = Path(out)
    check_output_folder(out, overwrite=overwrite)
    record = record if record is not None else record_simulation(assembly, trajectory)
    with atomic_folder(out) as tmp:
        n = _write(assembly, trajectory, tmp, list(passes), list(controls), frames_png, flo, progress, record,
                   storage or assembly.scene.render.storage)
    seconds = time.perf_counter() - t0
    scene = assembly.scene
    n_cams = len(scene.cameras)
    return RenderResult(out, n, seconds, n * n_cams / max(seconds, 1e-9),
                        [out / c.name / "rgb.mp4" for c in scene.cameras if "rgb" in passes],
                        list(record.metadata["warnings"]))


@dataclass
class SimulationRecord:
    """What is known of a simulation before anything is rendered: every camera's per-frame
    view, the events (including each camera's enter/exit events) and the metadata dict
    (numpy arrays until written; camera ``files`` are filled in by the writer).  Batch filters
    and captions read it, so a rejected clip costs its simulation only."""

    views: dict[str, list]
    metadata: dict


def record_simulation(assembly: Assembly, trajectory: Trajectory) -> SimulationRecord:
    """The :class:`SimulationRecord` of a simulated scene (no rendering)."""
    from ..rendering.visibility import bounding_spheres, view_events

    scene = assembly.scene
    w, h = scene.resolution
    views = {cam.name: camera_views(scene, cam, trajectory, w, h) for cam in scene.cameras}
    spheres = bounding_spheres(trajectory, body_geometries(assembly, trajectory))
    events = list(trajectory.events)
    in_view_at_start = {}
    for cam_name, cam_views in views.items():
        evs, start = view_events(trajectory, cam_views, cam_name, spheres)
        events.extend(evs)
        in_view_at_start[cam_name] = start
    events.sort(key=lambda e: (e["time"], e["type"], str(e.get("object", e.get("objects", "")))))
    meta = build_metadata(assembly, trajectory, views, {})
    meta["events"] = events
    for cam_name, start in in_view_at_start.items():
        meta["cameras"][cam_name]["in_view_at_start"] = start
    from ..checks import never_seen

    physics_warnings = list(trajectory.physics.get("warnings", []))
    meta["warnings"] = list(dict.fromkeys([*assembly.warnings, *physics_warnings, *never_seen(assembly, meta)]))
    return SimulationRecord(views, meta)


def _write(assembly: Assembly, traj: Trajectory, tmp: Path, passes: list[str], controls: list[str],
           frames_png: bool, flo: bool, progress: Progress | None, record: SimulationRecord | None,
           storage: str) -> int:
    from ..passes import Clip
    from ..rendering.passes import render_passes
    from .camera_writer import CameraWriter

    scene = assembly.scene
    n = traj.num_frames
    w, h = scene.resolution
    total = n * len(scene.cameras)
    done = 0
    all_geoms = body_geometries(assembly, traj)
    labels = class_labels(assembly, traj)
    with open_renderer(assembly, traj, w, h) as renderer:
        for cam in scene.cameras:
            clip = Clip(assembly, traj, cam.name, record.views[cam.name], all_geoms, labels)
            writer = CameraWriter(tmp / cam.name, clip, passes, controls, frames_png=frames_png, flo=flo, storage=storage,
                                  crf=scene.render.quality)
            try:
                stream = render_passes(renderer, clip, passes)
                for bundle in stream:
                    writer.write(bundle)
                    done += 1
                    if progress:
                        progress("render", done, total)
                writer.finish(stream.results)
            except (PhysreelError, KeyboardInterrupt):  # Ctrl-C: let ffmpeg finish quietly first
                writer.abort()
                raise
            except OSError as e:
                writer.abort()
                raise RenderError(f"writing camera '{cam.name}' failed: {e.strerror or e}"
                                  + (f" ({e.filename})" if e.filename else "")) from e
            except Exception as e:  # noqa: BLE001
                writer.abort()
                if interrupted(e):
                    raise KeyboardInterrupt from e
                raise RenderError(f"rendering camera '{cam.name}' failed: {type(e).__name__}: {e}") from e
    meta = dict(record.metadata)
    meta["cameras"] = {name: {**cam, "files": sorted(p.relative_to(tmp / name).as_posix()
                                                       for p in (tmp / name).iterdir())}
                       for name, cam in record.metadata["cameras"].items()}
    # file paths relative to the output folder (tmp is its sibling: the same relative paths),
    # so a render or a dataset moved together with its assets renders again as is
    meta = relative_paths(meta, tmp)
    write_json(tmp / "metadata.json", meta)
    (tmp / "scene.yaml").write_text(dump(relative_paths(scene.model_dump(mode="json"), tmp)), encoding="utf-8")
    write_preview(tmp)  # made from the files just written
    return n


def body_geometries(assembly: Assembly, trajectory: Trajectory) -> dict:
    """Geometry of every body of a simulation: the scene's objects and the pieces created."""
    return {**{name: obj.geometry for name, obj in assembly.objects.items()}, **trajectory.extra_geometry}


def class_labels(assembly: Assembly, trajectory: Trajectory) -> list[str]:
    """Semantic class of every segmentation id (index = id): background, floor, then each body
    (a piece has the class of the object it broke off)."""
    out = ["background", "floor"]
    for name in trajectory.names:
        out.append(assembly[trajectory.root_of(name)].class_name)
    return out


@contextmanager
def atomic_folder(out: Path) -> Iterator[Path]:
    """A temporary sibling of ``out`` to write into; renamed to ``out`` when the block ends
    normally (an old ``out``, checked by :func:`check_output_folder`, is replaced), removed
    when it raises (Ctrl-C included): ``out`` appears complete or not at all."""
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
    except OSError as e:
        raise ArgumentError(f"cannot create the output folder '{out}': {e.strerror or e}") from None
    try:
        yield tmp
        replace_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def replace_folder(tmp: Path, out: Path) -> None:
    """Move the finished folder ``tmp`` to ``out``; an old ``out`` (checked by
    :func:`check_output_folder`) is moved aside first and deleted after."""
    old = None
    if out.exists() or out.is_symlink():
        old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(out, old)
    os.rename(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def interrupted(e: BaseException) -> bool:
    """Whether ``e`` is a Ctrl-C in disguise: a SIGINT that lands while ctypes converts the
    arguments of a GL call comes out as ``ctypes.ArgumentError('argument 3: KeyboardInterrupt:
    ')`` (the KeyboardInterrupt itself is lost), which must end the run as an interruption
    (exit 130), not as a failed render."""
    import ctypes

    return isinstance(e, ctypes.ArgumentError) and "KeyboardInterrupt" in str(e.args[0] if e.args else e)
