"""``physreel validate``: everything a render would reject, found without rendering.

A scene file is loaded (every field checked), built (every mesh file opened, repaired and
measured, exactly as a render does), its texture images are opened, its cameras evaluated over
the whole clip, and the checks a render warns about are run (objects starting inside each
other, cameras that see nothing at t = 0).  A template is checked by its own validator and
every mesh and texture file it can pick (``{choice: [...]}``, ``{glob: ...}``) is opened.
Files opened once are not opened again in the same process (keyed by path, size and
modification time).
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import AssetError, InputError


@dataclass
class FileResult:
    """The outcome of validating one file.

    Attributes
    ----------
    path : Path
    kind : {"scene", "template"}
    error : str or None
        The readable error block (None when the file is fine).
    warnings : list of str
    seconds : float
    """

    path: Path
    kind: str = "scene"
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "kind": self.kind, "ok": self.error is None, "error": self.error,
                "warnings": list(self.warnings), "seconds": round(self.seconds, 3)}


def validate_file(path: str | os.PathLike) -> FileResult:
    """Validate one scene or template file; never raises for bad input (see ``error``)."""
    from .batch.templates import is_template

    path = Path(path)
    t0 = time.perf_counter()
    result = FileResult(path, "template" if is_template(path) else "scene")
    try:
        if result.kind == "template":
            result.warnings = _template(path)
        else:
            result.warnings = _scene(path)
    except InputError as e:
        text = str(e)
        result.error = text if "\n" in text or text.startswith(str(path)) else f"{path}: {text}"
    result.seconds = time.perf_counter() - t0
    return result


def _scene(path: Path) -> list[str]:
    from . import api, checks
    from .scene.loader import load_scene

    scene = load_scene(path)
    return list(checks.checked(api.build(scene)).warnings)  # (opens the images: check_images)


def check_images(assembly) -> None:
    """Open every image the look reads -- object textures, the ground's image, the sky's HDR
    -- once per file version, so that a file that does not decode is an error before anything
    is simulated (render) and never passes ``validate``.

    Raises
    ------
    AssetError
        For the first image that does not decode: its scene line, field path and what to do.
    """
    from .scene.models import GROUND_PATTERNS

    scene = assembly.scene
    for obj in assembly:
        tex = obj.look.texture
        if tex and tex != "checker":
            problem = _open_texture(tex, *_stamp(tex))
            if problem:
                raise AssetError(f"{scene.where('objects', obj.index, 'texture')}objects[{obj.index}].texture "
                                 f"('{obj.name}'): {problem}")
    ground = scene.ground.texture
    if scene.ground.enabled and ground not in GROUND_PATTERNS:
        problem = _open_texture(ground, *_stamp(ground))
        if problem:
            raise AssetError(f"{scene.where('ground', 'texture')}ground.texture: {problem}")
    sky = scene.sky
    if sky is not None and sky.type == "hdri" and sky.file:
        problem = _open_hdr(sky.file, *_stamp(sky.file))
        if problem:
            raise AssetError(f"{scene.where('sky', 'file')}sky.file: {problem}")


def _template(path: Path) -> list[str]:
    from .batch.templates import validate_template_file

    template = validate_template_file(path)
    for loc, kind, file in _files(template.data, (), Path(template.base_dir)):
        problem = (_open_mesh if kind == "mesh" else _open_texture)(file, *_stamp(file))
        if problem:
            where = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in loc).lstrip(".")
            raise AssetError(f"{path}: {where}: {problem}")
    return _first_sample_warnings(template, path)


def _first_sample_warnings(template, path: Path) -> list[str]:
    """What a render of sample 0 (root seed 0) would warn about, e.g. fixed objects that start
    inside each other (the batch itself checks only the cameras, to stay fast)."""
    from . import api, checks
    from .batch.templates import PlacementError, sample_scene
    from .scene.loader import load_scene_data

    try:
        data = sample_scene(template, 0, 0, 0)
    except PlacementError:
        return []  # the batch resamples; validate_template reported real mistakes already
    assembly = checks.checked(api.build(load_scene_data(data, source=str(path), base_dir=template.base_dir)))
    return [f"sample 0: {w}" for w in assembly.warnings]


def _files(node: Any, loc: tuple, base: Path) -> Iterator[tuple[tuple, str, str]]:
    """``(field path, "mesh" | "texture", file)`` of every file a template can pick."""
    if isinstance(node, Mapping):
        shape = node.get("shape") if isinstance(node.get("shape"), Mapping) else None
        if shape is not None and shape.get("type") == "mesh":
            for f in _values(shape.get("file"), base):
                yield loc + ("shape", "file"), "mesh", f
        tex = node.get("texture")
        if tex is not None and "shape" in node:
            for f in _values(tex, base):
                if f != "checker":
                    yield loc + ("texture",), "texture", f
        for k, v in node.items():
            if k != "shape":
                yield from _files(v, loc + (k,), base)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _files(v, loc + (i,), base)


def _values(v: Any, base: Path) -> list[str]:
    """The file names a template value can take: a string, ``{choice: [...]}`` or ``{glob}``."""
    if isinstance(v, str):
        return [v if v == "checker" else str((base / v).resolve()) if not os.path.isabs(v) else v]
    if isinstance(v, Mapping) and isinstance(v.get("choice"), list):
        return [f for c in v["choice"] for f in _values(c, base)]
    if isinstance(v, Mapping) and isinstance(v.get("glob"), str):
        return sorted(glob.glob(str(base / v["glob"]), recursive=True))
    return []


def _stamp(file: str) -> tuple[int, int]:
    try:
        st = os.stat(file)
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=512)
def _open_mesh(file: str, size: int, mtime: int) -> str | None:
    """None when the mesh file reads as a mesh, else what is wrong (cached per file version)."""
    from .assets.meshes import read_mesh_file

    try:
        read_mesh_file(Path(file))
    except AssetError as e:
        return str(e)
    return None


@lru_cache(maxsize=64)
def _open_hdr(file: str, size: int, mtime: int) -> str | None:
    """None when the Radiance image decodes, else what is wrong (cached per file version)."""
    from .rendering.hdr import read_hdr

    try:
        read_hdr(file)
    except AssetError as e:
        return str(e)
    return None


@lru_cache(maxsize=512)
def _open_texture(file: str, size: int, mtime: int) -> str | None:
    """None when the image decodes, else what is wrong (cached per file version)."""
    from PIL import Image

    if size < 0:
        return f"texture image not found: {file}"
    try:
        with Image.open(file) as im:
            im.load()
    except Exception as e:  # noqa: BLE001 - PIL raises many types for bad images
        return f"texture {file}: cannot read the image ({type(e).__name__}: {e}); use a PNG or JPEG file"
    return None
