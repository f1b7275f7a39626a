"""Reading mesh files: which formats, whether a file is readable, and its triangles as found.

:func:`read_mesh_file` gives the file's parts in file units and file axes, with the scene
graph's node transforms applied and the referenced files (MTL, textures, buffers) that were
found or missing recorded; nothing is repaired, scaled or rotated here (see
:mod:`physreel.assets.meshes`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import trimesh
import trimesh.resolvers

from physreel.assets.text_encoding import looks_binary, readable_source
from physreel.errors import AssetError

#: File suffixes physreel reads, lower case, with what they are.
SUPPORTED_FORMATS: dict[str, str] = {
    ".glb": "glTF binary",
    ".gltf": "glTF",
    ".obj": "Wavefront OBJ",
    ".stl": "STL",
    ".ply": "PLY",
    ".off": "OFF",
}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tga", ".webp", ".gif", ".tif", ".tiff"}


class _RecordingResolver(trimesh.resolvers.FilePathResolver):
    """File resolver that remembers which referenced files (MTL, textures, .bin) were found."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.found: list[str] = []
        self.missing: list[str] = []
        self.undecodable: list[str] = []

    def get(self, name: str) -> bytes:
        try:
            data = super().get(name)
        except (OSError, KeyError):
            if name not in self.missing:
                self.missing.append(name)
            raise
        if name not in self.found:
            self.found.append(name)
            if Path(name).suffix.lower() in IMAGE_SUFFIXES and not _decodes(data):
                self.undecodable.append(name)
        return data


def _decodes(data: bytes) -> bool:
    """True when PIL can read ``data`` as an image."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
    except Exception:  # PIL raises many types for bad data
        return False
    return True


@dataclass
class MeshFile:
    """A mesh file as read, before any physreel processing.

    Attributes
    ----------
    path : Path
        The file.
    format : str
        Lower-case suffix, e.g. ".glb".
    parts : list of trimesh.Trimesh
        Triangle meshes with the scene graph's node transforms applied (file units and axes),
        each with its own visuals.  One entry per node instance.
    geometries : int
        Distinct geometries in the file (a wheel used four times counts once).
    ignored : int
        Non-triangle geometries (lines, point clouds) skipped.
    referenced_found : list of str
        Files the mesh refers to that were found (MTL, textures, buffers).
    referenced_missing : list of str
        Files the mesh refers to that are missing.
    textures_undecodable : list of str
        Referenced image files that exist but are not readable images.
    """

    path: Path
    format: str
    parts: list[trimesh.Trimesh]
    geometries: int
    ignored: int
    referenced_found: list[str]
    referenced_missing: list[str]
    textures_undecodable: list[str] = field(default_factory=list)

    @property
    def triangles(self) -> int:
        """Total triangle count over all parts."""
        return int(sum(len(p.faces) for p in self.parts))

    @property
    def textures_missing(self) -> list[str]:
        """Missing referenced image files."""
        return [n for n in self.referenced_missing if Path(n).suffix.lower() in IMAGE_SUFFIXES]

    def missing_warnings(self) -> list[str]:
        """One warning per missing referenced file, saying what physreel does instead."""
        out = []
        for name in self.referenced_missing:
            if Path(name).suffix.lower() in IMAGE_SUFFIXES:
                out.append(
                    f"texture {name!r} not found beside {self.path.name}; rendering without it "
                    "(put the image in the mesh file's folder to use it)"
                )
            else:
                out.append(
                    f"file {name!r} referenced by {self.path.name} not found; its materials "
                    "are ignored"
                )
        for name in self.textures_undecodable:
            out.append(
                f"texture {name!r} beside {self.path.name} is not a readable image; rendering "
                "without it (re-save it as PNG or JPEG)"
            )
        return out


def default_up(path: Path) -> Literal["y", "z"]:
    """The up axis a format conventionally uses: "y" for glTF/GLB, "z" otherwise."""
    return "y" if Path(path).suffix.lower() in (".glb", ".gltf") else "z"


def check_readable(path: Path) -> Path:
    """Check that ``path`` names a readable, non-empty mesh file of a supported format.

    Returns
    -------
    Path
        The path, unchanged.

    Raises
    ------
    AssetError
        Missing file, a folder, no read permission, empty file or unsupported suffix.
    """
    path = Path(path)
    formats = ", ".join(sorted(SUPPORTED_FORMATS))
    if not path.exists():
        raise AssetError(
            f"{path}: mesh file not found. Expected a mesh file ({formats}); check the path "
            "(a relative path is relative to the scene file's folder)"
        )
    if path.is_dir():
        raise AssetError(f"{path}: is a folder, expected a mesh file ({formats})")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_FORMATS:
        raise AssetError(
            f"{path}: unsupported mesh format {suffix or '(no suffix)'!r}; expected one of "
            f"{formats}. Convert it (e.g. export glTF/GLB from Blender)"
        )
    if not os.access(path, os.R_OK):
        raise AssetError(
            f"{path}: cannot be read (permission denied); make the file readable or copy it "
            "somewhere readable"
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AssetError(f"{path}: cannot be read ({exc})") from exc
    if size == 0:
        raise AssetError(
            f"{path}: the file is empty (0 bytes); expected a {SUPPORTED_FORMATS[suffix]} mesh"
        )
    return path


def _reader_failure(exc: Exception) -> str:
    """What a parser's exception means for the user."""
    if isinstance(exc, IndexError):  # trimesh indexes vertices with the file's face indices
        return f"a face refers to a vertex (or texture coordinate) the file does not have ({exc})"
    return f"{type(exc).__name__}: {exc}"


def read_mesh_file(path: Path) -> MeshFile:
    """Read a mesh file into triangle meshes with node transforms applied.

    Parameters
    ----------
    path : Path
        A file of a format in :data:`SUPPORTED_FORMATS`.

    Returns
    -------
    MeshFile
        Parts in file units and file axes; missing textures recorded, not raised.

    Raises
    ------
    AssetError
        The file is missing, unreadable, not a mesh, or has no triangles.
    """
    path = check_readable(Path(path))
    suffix = path.suffix.lower()
    kind = SUPPORTED_FORMATS[suffix]
    if suffix == ".obj" and looks_binary(path):
        raise AssetError(f"{path}: the file is not text, so it cannot be a {kind} mesh (another format "
                         "renamed, or a damaged file?). Expected a valid mesh file; re-export it from the tool "
                         "that made it")
    resolver = _RecordingResolver(str(path))
    try:
        file_obj, file_type = readable_source(path)  # text that is not UTF-8: see text_encoding
        scene = trimesh.load_scene(file_obj, file_type=file_type, resolver=resolver)
    except MemoryError as exc:
        raise AssetError(f"{path}: out of memory while reading the {kind} mesh") from exc
    except Exception as exc:  # parsers raise anything from ValueError to struct.error
        if resolver.missing:
            names = ", ".join(repr(n) for n in resolver.missing)
            raise AssetError(
                f"{path}: could not be read: it refers to {names}, not found beside it. Put the "
                "referenced files in the mesh file's folder (or export a single .glb)"
            ) from exc
        raise AssetError(
            f"{path}: could not be read as a {kind} mesh: {_reader_failure(exc)}. "
            "Expected a valid mesh file; re-export it from the tool that made it"
        ) from exc
    geoms = scene.dump(concatenate=False)
    parts = [g for g in geoms if isinstance(g, trimesh.Trimesh) and len(g.faces) > 0]
    ignored = sum(1 for g in geoms if not isinstance(g, trimesh.Trimesh))
    if not parts:
        what = "no geometry at all"
        if ignored:
            what = f"only {ignored} non-triangle geometr{'y' if ignored == 1 else 'ies'} (points or lines)"
        raise AssetError(
            f"{path}: contains no triangles ({what}). Expected a {kind} triangle mesh; check "
            "that the file really is one (a point cloud or an empty export cannot become an object)"
        )
    for part in parts:
        if not np.isfinite(part.vertices).all():
            raise AssetError(f"{path}: has non-finite vertex coordinates (NaN or infinity)")
    return MeshFile(
        path=path,
        format=suffix,
        parts=parts,
        geometries=sum(1 for g in scene.geometry.values() if isinstance(g, trimesh.Trimesh)),
        ignored=ignored,
        referenced_found=list(resolver.found),
        referenced_missing=list(resolver.missing),
        textures_undecodable=list(resolver.undecodable),
    )
