"""Mesh import, repair and normalisation: any mesh file -> a well-behaved physical object.

:func:`prepare_mesh` turns a glTF/GLB, OBJ (+MTL + textures), STL, PLY or OFF file into a
:class:`PreparedMesh`: the visual meshes with their textures, vertex colours and PBR factors,
convex collision parts, volume, centre of mass and inertia, all in the *object frame*.

Object frame
------------
Metres, right-handed, **Z up**.  The file is first rotated to Z up (``up="y"``: glTF's Y-up,
rotated +90 degrees about X so that +Y -> +Z and +Z -> -Y), then scaled (``size``: longest side
in metres; ``scale``: scalar or per-axis factors along the object frame's X, Y, Z), then shifted
so that its origin is

- ``center_of_mass``: the centre of mass (of the mesh, or of its hull when the mesh is open);
- ``bottom_center``: the centre of the bottom face of the axis-aligned bounding box, so that an
  object placed at ``z = 0`` rests on the floor;
- ``as_is``: the file's own origin (scaled and rotated).

The 4x4 matrix from file coordinates to the object frame is :attr:`PreparedMesh.transform`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import trimesh
import trimesh.resolvers

from physreel.assets import collision as _collision
from physreel.errors import ArgumentError, AssetError
from physreel.transforms import principal_inertia  # noqa: F401  (re-exported: part of this module's API)

#: File suffixes physreel reads, lower case, with what they are.
SUPPORTED_FORMATS: dict[str, str] = {
    ".glb": "glTF binary",
    ".gltf": "glTF",
    ".obj": "Wavefront OBJ",
    ".stl": "STL",
    ".ply": "PLY",
    ".off": "OFF",
}
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tga", ".webp", ".gif", ".tif", ".tiff"}
#: Rotation taking a Y-up file to Z up: +90 degrees about X (+Y -> +Z, +Z -> -Y).
Y_UP_TO_Z_UP = np.array(
    [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
)


@dataclass(frozen=True)
class MeshOptions:
    """How to turn a mesh file into an object (mirrors the scene's mesh shape fields).

    Attributes
    ----------
    file : Path
        The mesh file.
    scale : float or (3,) tuple of float, optional
        Factors from file units to metres; per-axis factors act along the object frame's
        X, Y, Z (after the up-axis rotation).  Exclusive with ``size``.
    size : float, optional
        Length of the longest side of the bounding box, metres.  Exclusive with ``scale``.
        With neither, one file unit is one metre.
    up : {"y", "z"}, optional
        The file's up axis; None picks the format's convention (glTF/GLB: "y", others: "z").
    origin : {"center_of_mass", "bottom_center", "as_is"}
        Where the object frame's origin goes (see the module docstring).
    collision : {"hull", "decompose", "box", "sphere", "mesh"}
        Collision geometry; "mesh" is exact triangles and for static objects only.
    max_display_triangles : int, optional
        Decimate the visual meshes (vertex clustering) when they have more triangles in all
        (each part keeps at least 4).
    decompose_threshold : float
        CoACD concavity threshold for ``collision="decompose"`` (smaller: finer parts).
    max_convex_parts : int
        Most convex parts a decomposition may give (-1: no limit).
    """

    file: Path
    scale: float | tuple[float, float, float] | None = None
    size: float | None = None
    up: Literal["y", "z"] | None = None
    origin: Literal["center_of_mass", "bottom_center", "as_is"] = "center_of_mass"
    collision: Literal["hull", "decompose", "box", "sphere", "mesh"] = "hull"
    max_display_triangles: int | None = None
    decompose_threshold: float = 0.05
    max_convex_parts: int = -1


@dataclass(frozen=True, eq=False)
class PreparedMesh:
    """A mesh file made ready for physics and rendering, all in the object frame.

    Attributes
    ----------
    visual : trimesh.Trimesh or list of trimesh.Trimesh
        What to render: Z up, metres, object frame; each part keeps its own visuals
        (``TextureVisuals`` with a ``PBRMaterial`` or ``SimpleMaterial``, or ``ColorVisuals``).
        A list when the file has several parts (multi-node glTF scenes, several materials).
    collision_parts : list of trimesh.Trimesh
        Convex pieces (object frame); for ``collision_kind == "mesh"`` the exact repaired
        triangles instead (static objects only).  Box and sphere parts carry
        ``metadata["primitive"]`` (see :mod:`physreel.assets.collision`).
    collision_kind : str
        The ``collision`` option used.
    volume : float
        Volume in m^3 (multiply by density for the mass).
    center_of_mass : (3,) float64
        Centre of mass in the object frame, metres (zeros for ``origin="center_of_mass"``).
    inertia_per_unit_mass : (3, 3) float64
        Inertia tensor about the centre of mass, object-frame axes, for a mass of 1 kg
        (kg m^2 per kg); multiply by the mass.
    mass_properties_from : {"mesh", "hull"}
        "mesh" when the repaired mesh is watertight, else "hull" (its convex hull).
    extents : (3,) float64
        Axis-aligned bounding-box size in the object frame, metres.
    warnings : list of str
        Things the user should know (missing textures, odd units, unfixed winding, ...).
    transform : (4, 4) float64
        File coordinates -> object frame (rotation, scale, origin shift).
    collision_cached : bool
        True when the collision parts came from the on-disk cache.
    """

    visual: trimesh.Trimesh | list[trimesh.Trimesh]
    collision_parts: list[trimesh.Trimesh]
    collision_kind: str
    volume: float
    center_of_mass: np.ndarray
    inertia_per_unit_mass: np.ndarray
    mass_properties_from: Literal["mesh", "hull"]
    extents: np.ndarray
    warnings: list[str] = field(default_factory=list)
    transform: np.ndarray = field(default_factory=lambda: np.eye(4))
    collision_cached: bool = False

    @property
    def visual_parts(self) -> list[trimesh.Trimesh]:
        """The visual meshes as a list (one element for a single-part file)."""
        return self.visual if isinstance(self.visual, list) else [self.visual]


# --------------------------------------------------------------------------- reading files


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
            if Path(name).suffix.lower() in _IMAGE_SUFFIXES and not _decodes(data):
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
        return [n for n in self.referenced_missing if Path(n).suffix.lower() in _IMAGE_SUFFIXES]

    def missing_warnings(self) -> list[str]:
        """One warning per missing referenced file, saying what physreel does instead."""
        out = []
        for name in self.referenced_missing:
            if Path(name).suffix.lower() in _IMAGE_SUFFIXES:
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
    resolver = _RecordingResolver(str(path))
    try:
        scene = trimesh.load_scene(str(path), resolver=resolver)
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
            f"{path}: could not be read as a {kind} mesh ({type(exc).__name__}: {exc}). "
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


# --------------------------------------------------------------------------- geometry helpers


def geometry_only(parts: list[trimesh.Trimesh]) -> trimesh.Trimesh:
    """All parts' triangles in one mesh without visuals (vertices not yet merged)."""
    vertices = np.concatenate([np.asarray(p.vertices, dtype=np.float64) for p in parts])
    offsets = np.cumsum([0] + [len(p.vertices) for p in parts[:-1]])
    faces = np.concatenate(
        [np.asarray(p.faces, dtype=np.int64) + o for p, o in zip(parts, offsets, strict=True)]
    )
    return trimesh.Trimesh(vertices, faces, process=False)


@dataclass
class RepairReport:
    """What :func:`repair_for_physics` changed (counts)."""

    vertices_merged: int = 0
    faces_dropped: int = 0
    winding_fixed: bool = False


def repair_for_physics(mesh: trimesh.Trimesh) -> RepairReport:
    """Repair a visual-free mesh in place for mass properties and collision.

    Merges duplicate vertices (by position), drops degenerate and duplicate faces and unused
    vertices, makes the winding consistent (:func:`fix_winding`) and turns closed bodies
    outward.

    Returns
    -------
    RepairReport
        What changed.
    """
    report = RepairReport()
    n_vertices, n_faces = len(mesh.vertices), len(mesh.faces)
    mesh.merge_vertices(merge_tex=True, merge_norm=True)
    keep = _good_faces_mask(mesh.vertices, mesh.faces)
    if not keep.all():
        mesh.update_faces(keep)
    mesh.remove_unreferenced_vertices()
    report.vertices_merged = n_vertices - len(mesh.vertices)
    report.faces_dropped = n_faces - len(mesh.faces)
    if not mesh.is_winding_consistent:
        report.winding_fixed = fix_winding(mesh)
    fix_inversion(mesh)
    return report


def fix_winding(mesh: trimesh.Trimesh) -> bool:
    """Make neighbouring faces wind the same way, in place; vectorised (millions of faces).

    Two faces sharing a manifold edge are consistent when they traverse it in opposite
    directions.  A breadth-first spanning forest of the face-adjacency graph fixes each face's
    flip relative to its parent; flips accumulate to the root by pointer doubling.  In each
    connected patch the orientation most faces already had is kept.  (trimesh's own
    ``fix_winding`` walks the graph in Python: ~130 microseconds per face.)

    Returns
    -------
    bool
        True when any face was flipped.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import breadth_first_order, connected_components

    faces = np.asarray(mesh.faces, dtype=np.int64)
    n = len(faces)
    pairs = np.asarray(mesh.face_adjacency, dtype=np.int64)
    if len(pairs) == 0:
        return False
    edges = np.asarray(mesh.face_adjacency_edges, dtype=np.int64)

    def forward(face_ids: np.ndarray) -> np.ndarray:
        # True when the face traverses its shared edge from edges[:, 0] to edges[:, 1]
        f = faces[face_ids]
        at = np.argmax(f == edges[:, :1], axis=1)
        return f[np.arange(len(f)), (at + 1) % 3] == edges[:, 1]

    clash = forward(pairs[:, 0]) == forward(pairs[:, 1])  # same direction: one must flip
    if not clash.any():
        return False
    n_comp, labels = connected_components(
        coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)), directed=False
    )
    # a virtual root (index n) joined to one face per patch gives one spanning forest
    first = np.unique(labels, return_index=True)[1]
    rows = np.concatenate([pairs[:, 0], np.full(n_comp, n)])
    cols = np.concatenate([pairs[:, 1], first])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + 1, n + 1)).tocsr()
    _, pred = breadth_first_order(graph, n, directed=False, return_predecessors=True)
    pred = pred[:n].astype(np.int64)
    pred[pred == n] = -1
    # flip of each face relative to its parent: look the tree edge up among the pairs
    lo_hi = np.sort(pairs, axis=1)
    keys = lo_hi[:, 0] * (n + 1) + lo_hi[:, 1]
    order = np.argsort(keys)
    has_parent = pred >= 0
    child = np.nonzero(has_parent)[0]
    tree_keys = np.minimum(child, pred[child]) * (n + 1) + np.maximum(child, pred[child])
    flip = np.zeros(n, dtype=bool)
    flip[child] = clash[order[np.searchsorted(keys, tree_keys, sorter=order)]]
    ancestor = np.where(has_parent, pred, np.arange(n))
    while True:  # pointer doubling: flip[i] becomes the XOR of flips on the path to the root
        nxt = ancestor[ancestor]
        flip ^= np.where(ancestor != np.arange(n), flip[ancestor], False)
        if np.array_equal(nxt, ancestor):
            break
        ancestor = nxt
    flipped_per_patch = np.bincount(labels, weights=flip, minlength=n_comp)
    faces_per_patch = np.bincount(labels, minlength=n_comp)
    flip ^= (flipped_per_patch > faces_per_patch / 2)[labels]
    if not flip.any():
        return False
    new_faces = faces.copy()
    new_faces[flip] = faces[flip][:, ::-1]
    mesh.faces = new_faces
    return True


def fix_inversion(mesh: trimesh.Trimesh) -> bool:
    """Turn closed bodies with inward normals outward, in place (vectorised, any size).

    Only acts on a watertight, consistently wound mesh: each connected body with a negative
    signed volume is inverted.  (On open meshes "inside" is undefined, so nothing changes.)

    Returns
    -------
    bool
        True when any face was flipped.
    """
    if not (mesh.is_watertight and mesh.is_winding_consistent):
        return False
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    faces = np.asarray(mesh.faces, dtype=np.int64)
    pairs = np.asarray(mesh.face_adjacency, dtype=np.int64)
    n = len(faces)
    _, labels = connected_components(
        coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)), directed=False
    )
    tri = np.asarray(mesh.vertices, dtype=np.float64)[faces]
    signed = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2]))  # 6 x tetra volume
    flip = (np.bincount(labels, weights=signed) < 0)[labels]
    if not flip.any():
        return False
    new_faces = faces.copy()
    new_faces[flip] = faces[flip][:, ::-1]
    mesh.faces = new_faces
    return True


def _unique_faces_mask(faces: np.ndarray) -> np.ndarray:
    """(F,) bool: True for the first of each set of faces using the same three vertices."""
    ordered = np.sort(np.asarray(faces, dtype=np.int64), axis=1)
    order = np.lexsort((ordered[:, 2], ordered[:, 1], ordered[:, 0]))  # stable: first stays first
    ordered = ordered[order]
    repeat = np.all(ordered[1:] == ordered[:-1], axis=1)
    mask = np.ones(len(faces), dtype=bool)
    mask[order[1:][repeat]] = False
    return mask


def _good_faces_mask(
    vertices: np.ndarray, faces: np.ndarray, rel_height: float = 1e-9
) -> np.ndarray:
    """(F,) bool: False for degenerate faces (repeated vertex, or height under
    ``rel_height`` times the mesh's size) and for repeats of an earlier face."""
    vertices = np.asarray(vertices, dtype=np.float64)
    faces = np.asarray(faces, dtype=np.int64)
    keep = (
        (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    )
    a, b, c = (vertices[faces[:, k]] for k in range(3))
    twice_area = np.linalg.norm(np.cross(b - a, c - a), axis=1)
    longest = np.sqrt(
        np.max([((b - a) ** 2).sum(1), ((c - b) ** 2).sum(1), ((a - c) ** 2).sum(1)], axis=0)
    )
    size = float(np.ptp(vertices, axis=0).max()) if len(vertices) else 0.0
    keep &= twice_area > rel_height * size * longest  # height = 2 A / longest edge
    return keep & _unique_faces_mask(faces)


def mass_properties(
    mesh: trimesh.Trimesh, hull: trimesh.Trimesh | None
) -> tuple[float, np.ndarray, np.ndarray, Literal["mesh", "hull"]]:
    """Volume, centre of mass and unit-mass inertia of a repaired mesh (or of its hull).

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Repaired mesh (see :func:`repair_for_physics`).
    hull : trimesh.Trimesh or None
        Its convex hull, used when the mesh is not a closed, outward-facing body (computed
        here when needed and not given).

    Returns
    -------
    volume : float
        Cubic units of the mesh.
    center_of_mass : (3,) float64
    inertia_per_unit_mass : (3, 3) float64
        About the centre of mass, mesh axes.
    source : {"mesh", "hull"}
    """
    if mesh.is_watertight and mesh.is_winding_consistent:
        props = mesh.mass_properties
        if props["volume"] > 0:
            return _unit_props(props, "mesh")
    if hull is None:  # closed but inside-out or self-cancelling: fall back to the hull
        hull = _collision.convex_hull(mesh, max_vertices=2**62)
    return _unit_props(hull.mass_properties, "hull")


def _unit_props(props: dict, source: Literal["mesh", "hull"]):
    volume = float(props["volume"])
    com = np.asarray(props["center_mass"], dtype=np.float64)
    inertia = np.asarray(props["inertia"], dtype=np.float64) / volume  # density 1 => mass = volume
    return volume, com, inertia, source


def _scale_matrix(scale: float | tuple[float, float, float] | np.ndarray) -> np.ndarray:
    factors = np.broadcast_to(np.asarray(scale, dtype=np.float64), (3,))
    out = np.eye(4)
    out[:3, :3] = np.diag(factors)
    return out


def _check_options(opts: MeshOptions) -> None:
    if opts.size is not None and opts.scale is not None:
        raise ArgumentError(
            f"{opts.file}: give either `size` (longest side in metres) or `scale`, not both "
            f"(got size={opts.size}, scale={opts.scale})"
        )
    if opts.size is not None and not (math.isfinite(opts.size) and opts.size > 0):
        raise ArgumentError(
            f"{opts.file}: `size` must be a positive number of metres, got {opts.size}"
        )
    if opts.scale is not None:
        factors = np.asarray(opts.scale, dtype=np.float64).ravel()
        if factors.size not in (1, 3) or not (np.isfinite(factors).all() and (factors > 0).all()):
            raise ArgumentError(
                f"{opts.file}: `scale` must be a positive number or three positive numbers "
                f"[sx, sy, sz], got {opts.scale}"
            )
    if opts.up not in (None, "y", "z"):
        raise ArgumentError(f"{opts.file}: `up` must be 'y' or 'z', got {opts.up!r}")
    if opts.origin not in ("center_of_mass", "bottom_center", "as_is"):
        raise ArgumentError(
            f"{opts.file}: `origin` must be center_of_mass, bottom_center or as_is, got {opts.origin!r}"
        )
    if opts.collision not in _collision.COLLISION_KINDS:
        raise ArgumentError(
            f"{opts.file}: `collision` must be one of {', '.join(_collision.COLLISION_KINDS)}, "
            f"got {opts.collision!r}"
        )
    if opts.max_display_triangles is not None and opts.max_display_triangles < 1:
        raise ArgumentError(
            f"{opts.file}: `max_display_triangles` must be a positive number of triangles, got "
            f"{opts.max_display_triangles}"
        )


# --------------------------------------------------------------------------- the pipeline


def prepare_mesh(opts: MeshOptions, *, cache_dir: Path | None = None) -> PreparedMesh:
    """Load, repair and normalise a mesh file; build its collision parts and mass properties.

    Parameters
    ----------
    opts : MeshOptions
        The file and how to treat it.
    cache_dir : Path, optional
        Cache root for convex decompositions; None uses
        :func:`physreel.assets.collision.default_cache_dir`.  Only ``collision="decompose"``
        reads or writes it.

    Returns
    -------
    PreparedMesh
        Everything in the object frame (metres, Z up); see the module docstring.

    Raises
    ------
    AssetError
        The file is missing, unreadable, not a mesh, empty, or flat (no volume) for a
        collision kind that needs volume.
    ArgumentError
        Contradictory or out-of-range options.
    """
    _check_options(opts)
    source = read_mesh_file(Path(opts.file))
    warnings = source.missing_warnings()
    if source.ignored:
        warnings.append(f"ignored {source.ignored} non-triangle geometries (points or lines)")
    up = opts.up or default_up(source.path)
    parts = source.parts  # freshly loaded: transforming them in place is safe
    rotate_scale = _rotate_and_scale(parts, opts, up, warnings)

    physics = geometry_only(parts)
    _note_repair(repair_for_physics(physics), warnings)
    for part in parts:
        _repair_visual(part)
    exact_hull, volume, com, inertia, props_from = _mass_properties_or_hull(
        physics, opts.collision, warnings
    )

    shift = _origin_shift(physics, com, opts.origin)
    for part in parts:
        part.apply_translation(shift)
    physics.apply_translation(shift)
    if exact_hull is not None:
        exact_hull = exact_hull.copy()
        exact_hull.apply_translation(shift)

    cached = False
    if opts.collision == "decompose":
        collision_parts, cached = _decompose(physics, source.path, up, opts, cache_dir)
    elif opts.collision == "hull":
        collision_parts = [_collision.limit_hull_vertices(exact_hull)]
    else:
        collision_parts = _collision.collision_parts(physics, opts.collision)

    if opts.max_display_triangles is not None:
        parts = _decimate_parts(parts, opts.max_display_triangles, warnings)

    transform = trimesh.transformations.translation_matrix(shift) @ rotate_scale
    return PreparedMesh(
        visual=parts[0] if len(parts) == 1 else list(parts),
        collision_parts=collision_parts,
        collision_kind=opts.collision,
        volume=volume,
        center_of_mass=np.asarray(com, dtype=np.float64) + shift,
        inertia_per_unit_mass=inertia,
        mass_properties_from=props_from,
        extents=np.asarray(physics.extents, dtype=np.float64),
        warnings=warnings,
        transform=transform,
        collision_cached=cached,
    )


def _rotate_and_scale(
    parts: list[trimesh.Trimesh], opts: MeshOptions, up: str, warnings: list[str]
) -> np.ndarray:
    """Rotate ``parts`` to Z up and scale them to metres in place; return the (4, 4) used."""
    rotate = Y_UP_TO_Z_UP if up == "y" else np.eye(4)
    for part in parts:
        part.apply_transform(rotate)
    lo = np.min([p.bounds[0] for p in parts], axis=0)
    hi = np.max([p.bounds[1] for p in parts], axis=0)
    longest = float(np.max(hi - lo))
    if not longest > 0:
        raise AssetError(f"{opts.file}: all vertices coincide (the mesh has zero size)")
    if opts.size is not None:
        scale = _scale_matrix(opts.size / longest)
    elif opts.scale is not None:
        scale = _scale_matrix(opts.scale)
    else:
        scale = np.eye(4)
        if longest > 20.0 or longest < 0.005:
            warnings.append(
                f"the longest side is {longest:.4g} file units and is taken as {longest:.4g} m; "
                "set `size` (longest side in metres) or `scale` (e.g. 0.001 for millimetres)"
            )
    if not np.array_equal(scale, np.eye(4)):
        for part in parts:
            part.apply_transform(scale)
    return scale @ rotate


def _note_repair(report: RepairReport, warnings: list[str]) -> None:
    fixed = []
    if report.faces_dropped:
        fixed.append(f"dropped {report.faces_dropped} degenerate or duplicate faces")
    if report.winding_fixed:
        fixed.append("made the face winding consistent")
    if fixed:
        warnings.append("repaired for physics: " + ", ".join(fixed))


def _mass_properties_or_hull(physics: trimesh.Trimesh, kind: str, warnings: list[str]):
    """(exact hull or None, volume, com, unit inertia, source) of the repaired mesh."""
    closed = bool(physics.is_watertight and physics.is_winding_consistent)
    exact_hull = None
    if kind == "hull" or not closed:
        try:
            exact_hull = _collision.convex_hull(physics, max_vertices=2**62)
        except AssetError:
            if kind != "mesh":
                raise
            # flat static geometry: no volume, but usable as a static triangle mesh
            warnings.append(
                "the mesh is flat (no volume); usable only as a static `collision: mesh`"
            )
            return None, 0.0, physics.bounds.mean(axis=0), np.zeros((3, 3)), "hull"
    volume, com, inertia, props_from = mass_properties(physics, exact_hull)
    if props_from == "hull":
        warnings.append(
            "the mesh is open (not watertight); volume, centre of mass and inertia come "
            "from its convex hull"
        )
    return exact_hull, volume, com, inertia, props_from


def _origin_shift(physics: trimesh.Trimesh, com: np.ndarray, origin: str) -> np.ndarray:
    """(3,) translation that puts the object frame's origin where ``origin`` asks."""
    if origin == "center_of_mass":
        return -np.asarray(com, dtype=np.float64)
    if origin == "bottom_center":
        lo, hi = np.asarray(physics.bounds, dtype=np.float64)
        return -np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]])
    return np.zeros(3)


def _decompose(
    physics: trimesh.Trimesh, path: Path, up: str, opts: MeshOptions, cache_dir: Path | None
) -> tuple[list[trimesh.Trimesh], bool]:
    settings = {
        "up": up,
        "size": opts.size,
        "scale": opts.scale,
        "origin": opts.origin,
        "threshold": opts.decompose_threshold,
        "max_parts": opts.max_convex_parts,
    }
    key = _collision.decomposition_cache_key(_collision.file_sha256(path), settings)
    return _collision.decompose_cached(
        physics,
        cache_key=key,
        cache_dir=Path(cache_dir) if cache_dir is not None else _collision.default_cache_dir(),
        threshold=opts.decompose_threshold,
        max_parts=opts.max_convex_parts,
    )


def _decimate_parts(
    parts: list[trimesh.Trimesh], budget: int, warnings: list[str]
) -> list[trimesh.Trimesh]:
    """Share ``budget`` triangles among the parts in proportion to their sizes."""
    total = sum(len(p.faces) for p in parts)
    if total <= budget:
        return parts
    out = [decimate(p, max(4, int(budget * len(p.faces) / total))) for p in parts]
    warnings.append(
        f"display mesh decimated from {total} to {sum(len(p.faces) for p in out)} "
        f"triangles (max_display_triangles={budget})"
    )
    return out


def _repair_visual(part: trimesh.Trimesh) -> None:
    """Drop degenerate and duplicate faces of a visual mesh, keeping its UVs and colours."""
    faces = np.asarray(part.faces, dtype=np.int64)
    keep = (
        (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    )
    keep &= _unique_faces_mask(faces)  # zero-area faces with distinct corners draw nothing: kept
    if not keep.all():
        part.update_faces(keep)
        part.remove_unreferenced_vertices()


# --------------------------------------------------------------------------- display decimation


def decimate(mesh: trimesh.Trimesh, max_triangles: int) -> trimesh.Trimesh:
    """Reduce a visual mesh to at most ``max_triangles`` by vertex clustering.

    Vertices are snapped to a regular grid (and, for textured meshes, to a grid in UV space,
    which keeps texture seams apart); each cell's vertices become their mean, and faces that
    collapse are dropped.  Coarse but robust on any input, and fast on millions of faces.
    UVs, vertex colours, face colours and the material are carried over.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Mesh to reduce.
    max_triangles : int
        Triangle budget (at least 4).

    Returns
    -------
    trimesh.Trimesh
        A new mesh with at most ``max_triangles`` faces (``mesh`` itself when already within).
    """
    if len(mesh.faces) <= max_triangles:
        return mesh
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    visual = mesh.visual
    uv = None
    if isinstance(visual, trimesh.visual.TextureVisuals) and visual.uv is not None:
        uv = np.asarray(visual.uv, dtype=np.float64)
    lo = vertices.min(axis=0)
    span = float(np.max(vertices.max(axis=0) - lo)) or 1.0

    def cluster(cells: int):
        key = np.floor((vertices - lo) * (cells / span)).astype(np.int64)
        if uv is not None:
            key = np.column_stack([key, np.floor(uv * cells).astype(np.int64)])
        _, inverse = trimesh.grouping.unique_rows(key)
        faces = inverse[mesh.faces]
        keep = (
            (faces[:, 0] != faces[:, 1])
            & (faces[:, 1] != faces[:, 2])
            & (faces[:, 0] != faces[:, 2])
        )
        keep[keep] &= _unique_faces_mask(faces[keep])
        return inverse, keep

    cells = max(2, int(math.sqrt(max_triangles)))
    best = None
    for _ in range(12):
        inverse, keep = cluster(cells)
        count = int(keep.sum())
        if count <= max_triangles:
            if best is None or count > best[2]:
                best = (inverse, keep, count)
            if count >= 0.8 * max_triangles:
                break
            factor = min(2.0, 0.97 * math.sqrt(max_triangles / max(count, 1)))
        else:
            factor = 0.97 * math.sqrt(max_triangles / count)
        new_cells = max(2, int(cells * factor))
        if new_cells == cells:
            new_cells = cells - 1 if count > max_triangles else cells + 1
        if new_cells < 2:
            break
        cells = new_cells
    if best is None:  # pathological: keep the first faces
        inverse, keep = np.arange(len(vertices)), np.zeros(len(mesh.faces), dtype=bool)
        keep[:max_triangles] = True
    else:
        inverse, keep, _ = best

    count = int(inverse.max()) + 1
    weights = np.bincount(inverse, minlength=count).astype(np.float64)

    def mean(values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64).reshape(len(inverse), -1)
        out = np.column_stack(
            [np.bincount(inverse, values[:, i], minlength=count) for i in range(values.shape[1])]
        )
        return out / weights[:, None]

    faces = inverse[mesh.faces[keep]]
    new_visual = None
    if uv is not None:
        new_visual = trimesh.visual.TextureVisuals(uv=mean(uv), material=visual.material)
    elif isinstance(visual, trimesh.visual.ColorVisuals) and visual.kind == "vertex":
        colours = np.clip(np.round(mean(visual.vertex_colors)), 0, 255).astype(np.uint8)
        new_visual = trimesh.visual.ColorVisuals(vertex_colors=colours)
    elif isinstance(visual, trimesh.visual.ColorVisuals) and visual.kind == "face":
        new_visual = trimesh.visual.ColorVisuals(face_colors=np.asarray(visual.face_colors)[keep])
    out = trimesh.Trimesh(mean(vertices), faces, visual=new_visual, process=False)
    out.remove_unreferenced_vertices()
    return out
