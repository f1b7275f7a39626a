"""Tests of physreel.assets.fracture: convex pre-fracture of breakable objects."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from scipy.spatial import ConvexHull

from physreel.assets import fracture as fr
from physreel.assets.fracture import Piece, fracture, fracture_cache_path, piece_velocities
from physreel.errors import ArgumentError, AssetError

CUP_RADIUS = 0.08  # m
CUP_WALL = 0.003  # m
CUP_HEIGHT = 0.10  # m
CUP_BOTTOM = 0.008  # m


def cup_solids(
    radius: float = CUP_RADIUS,
    wall: float = CUP_WALL,
    height: float = CUP_HEIGHT,
    bottom: float = CUP_BOTTOM,
) -> tuple[trimesh.Trimesh, trimesh.Trimesh]:
    """The outer cylinder and the hollow (inner cylinder) of a cup standing on z = 0."""
    outer = trimesh.creation.cylinder(radius=radius, height=height, sections=64)
    outer.apply_translation([0.0, 0.0, height / 2])
    inner = trimesh.creation.cylinder(radius=radius - wall, height=height, sections=64)
    inner.apply_translation([0.0, 0.0, height / 2 + bottom])
    return outer, inner


def make_cup(**dims: float) -> trimesh.Trimesh:
    """Open-top cylindrical cup with a thick bottom: outer cylinder minus the hollow."""
    cup = trimesh.boolean.difference(list(cup_solids(**dims)), engine="manifold")
    assert cup.is_watertight
    return cup


def convex_contains(mesh: trimesh.Trimesh, points: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """(M,) bool: points inside a convex mesh (behind every face plane)."""
    normals = mesh.face_normals
    offsets = np.sum(normals * mesh.triangles[:, 0], axis=1)
    return np.all(points @ normals.T - offsets <= tol, axis=1)


def inside_count(pieces: list[Piece], points: np.ndarray) -> np.ndarray:
    """(M,) int: how many (convex) pieces contain each point."""
    return np.sum([convex_contains(p.mesh, points) for p in pieces], axis=0)


def sample_in_box(mesh: trimesh.Trimesh, n: int, rng: np.random.Generator) -> np.ndarray:
    lo, hi = mesh.bounds
    return lo + rng.random((n, 3)) * (hi - lo)


def assert_convex_watertight(pieces: list[Piece]) -> None:
    for p in pieces:
        assert p.mesh.is_watertight
        assert p.mesh.is_convex
        assert p.volume > 0
        hull = p.mesh.convex_hull.volume
        assert abs(hull - p.volume) <= 1e-6 * p.volume
        np.testing.assert_allclose(p.volume, p.mesh.volume, rtol=1e-12)
        np.testing.assert_allclose(p.center_of_mass, p.mesh.center_mass, rtol=0, atol=1e-15)


def piece_arrays(pieces: list[Piece]) -> list[tuple[bytes, bytes]]:
    return [(p.mesh.vertices.tobytes(), p.mesh.faces.tobytes()) for p in pieces]


CONVEX = {
    "box": lambda: trimesh.creation.box([0.10, 0.20, 0.05]),
    "icosphere": lambda: trimesh.creation.icosphere(subdivisions=3, radius=0.05),
    "cylinder": lambda: trimesh.creation.cylinder(radius=0.04, height=0.10, sections=48),
}


@pytest.mark.parametrize("name", sorted(CONVEX))
@pytest.mark.parametrize("n", [12, 30])
def test_convex_parent_is_tiled_exactly(name: str, n: int) -> None:
    mesh = CONVEX[name]()
    mesh.apply_translation([0.3, -0.1, 0.2])  # pieces stay in the parent's own frame
    pieces = fracture(mesh, n, np.random.default_rng(n))

    assert len(pieces) == n
    assert_convex_watertight(pieces)
    volumes = np.array([p.volume for p in pieces])
    np.testing.assert_allclose(volumes.sum(), mesh.volume, rtol=1e-9)
    com = np.sum(volumes[:, None] * np.array([p.center_of_mass for p in pieces]), axis=0)
    np.testing.assert_allclose(com / volumes.sum(), mesh.center_mass, rtol=0, atol=1e-9)
    # Every piece lies in the parent, and every point of the parent is in exactly one piece.
    for p in pieces:
        assert np.all(p.mesh.vertices >= mesh.bounds[0] - 1e-9)
        assert np.all(p.mesh.vertices <= mesh.bounds[1] + 1e-9)
    pts = sample_in_box(mesh, 6000, np.random.default_rng(7))
    pts = pts[convex_contains(mesh, pts, tol=-1e-9)]
    assert len(pts) > 2000
    counts = inside_count(pieces, pts)
    assert np.mean(counts == 1) > 0.99


def test_one_piece_of_a_convex_mesh_is_the_mesh() -> None:
    mesh = trimesh.creation.icosphere(subdivisions=2, radius=0.03)
    (piece,) = fracture(mesh, 1, np.random.default_rng(0))
    np.testing.assert_allclose(piece.volume, mesh.volume, rtol=1e-9)
    np.testing.assert_allclose(piece.center_of_mass, mesh.center_mass, atol=1e-12)


@pytest.fixture(scope="module")
def cup() -> trimesh.Trimesh:
    return make_cup()


@pytest.fixture(scope="module")
def cup_pieces(cup: trimesh.Trimesh) -> list[Piece]:
    return fracture(cup, 12, np.random.default_rng(3))


def test_cup_pieces_are_convex_and_cover_the_cup(cup, cup_pieces) -> None:
    # 12 seeds; thin curved walls are cut further (about 100 pieces, see the module notes).
    assert 12 <= len(cup_pieces) <= 200
    assert_convex_watertight(cup_pieces)
    for p in cup_pieces:
        assert p.volume >= fr.SLIVER_FRACTION * cup.volume
        hull = ConvexHull(p.mesh.vertices)
        spans = p.mesh.vertices @ hull.equations[:, :3].T
        assert np.min(np.ptp(spans, axis=0)) >= fr.MIN_THICKNESS * cup.scale
    total = sum(p.volume for p in cup_pieces)
    assert abs(total / cup.volume - 1.0) < 0.10
    # Pieces form the cup: (almost) every point of the glass is in some piece.
    outer, hollow = cup_solids()
    pts = sample_in_box(cup, 30000, np.random.default_rng(8))
    pts = pts[convex_contains(outer, pts, tol=-1e-9) & ~convex_contains(hollow, pts, tol=1e-9)]
    assert len(pts) > 2000
    counts = inside_count(cup_pieces, pts)
    assert np.mean(counts >= 1) > 0.99
    assert np.mean(counts == 1) > 0.95  # hulls overlap only a little


def test_cup_pieces_leave_the_hollow_empty(cup_pieces) -> None:
    _, hollow = cup_solids()
    pts = sample_in_box(hollow, 20000, np.random.default_rng(9))
    pts = pts[convex_contains(hollow, pts, tol=-1e-9)]
    assert len(pts) > 10000
    covered = np.mean(inside_count(cup_pieces, pts) > 0)
    assert covered < 0.02


def test_cup_pieces_lie_in_the_cup_bounds(cup, cup_pieces) -> None:
    for p in cup_pieces:
        assert np.all(p.mesh.vertices >= cup.bounds[0] - 1e-7)
        assert np.all(p.mesh.vertices <= cup.bounds[1] + 1e-7)


def test_fracture_is_deterministic(cup) -> None:
    box = CONVEX["box"]()
    a = fracture(box, 20, np.random.default_rng(11))
    b = fracture(box, 20, np.random.default_rng(11))
    c = fracture(box, 20, np.random.default_rng(12))
    assert piece_arrays(a) == piece_arrays(b)
    assert piece_arrays(a) != piece_arrays(c)
    cup_a = fracture(cup, 8, np.random.default_rng(5))
    cup_b = fracture(cup, 8, np.random.default_rng(5))
    assert piece_arrays(cup_a) == piece_arrays(cup_b)


def test_fracture_draws_exactly_one_integer(tmp_path) -> None:
    box = CONVEX["box"]()
    for cache_dir in (None, tmp_path, tmp_path):  # no cache, cache miss, cache hit
        rng = np.random.default_rng(4)
        fracture(box, 5, rng, cache_dir=cache_dir)
        ref = np.random.default_rng(4)
        ref.integers(2**63)
        assert rng.integers(2**63) == ref.integers(2**63)


def test_cache_is_written_and_used(tmp_path, monkeypatch) -> None:
    cup = make_cup(radius=0.04, wall=0.003, height=0.05, bottom=0.005)
    first = fracture(cup, 6, np.random.default_rng(21), cache_dir=tmp_path)
    seed = int(np.random.default_rng(21).integers(2**63))
    path = fracture_cache_path(cup, 6, seed, tmp_path)
    assert path.is_file()
    assert list(tmp_path.iterdir()) == [path]  # no temporary files left behind

    def fail(*args, **kwargs):
        raise AssertionError("the cache was not used")

    monkeypatch.setattr(fr, "_compute", fail)
    second = fracture(cup, 6, np.random.default_rng(21), cache_dir=tmp_path)
    assert piece_arrays(second) == piece_arrays(first)
    assert [p.volume for p in second] == [p.volume for p in first]
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a.center_of_mass, b.center_of_mass)
    # Another piece count or another seed is another file.
    assert fracture_cache_path(cup, 7, seed, tmp_path) != path
    assert fracture_cache_path(cup, 6, seed + 1, tmp_path) != path
    with pytest.raises(AssertionError, match="cache was not used"):
        fracture(cup, 7, np.random.default_rng(21), cache_dir=tmp_path)


def test_corrupt_cache_file_is_recomputed(tmp_path) -> None:
    box = CONVEX["box"]()
    seed = int(np.random.default_rng(2).integers(2**63))
    path = fracture_cache_path(box, 4, seed, tmp_path)
    path.write_bytes(b"not an npz file")
    pieces = fracture(box, 4, np.random.default_rng(2), cache_dir=tmp_path)
    assert len(pieces) == 4
    assert piece_arrays(fracture(box, 4, np.random.default_rng(2))) == piece_arrays(pieces)


def test_piece_velocities_are_rigid_body_velocities() -> None:
    v = np.array([1.0, -2.0, 0.5])
    w = np.array([0.0, 0.0, 3.0])
    c = np.array([1.0, 1.0, 1.0])
    pts = np.array([[1.0, 1.0, 1.0], [2.0, 1.0, 1.0], [1.0, 1.0, 5.0]])
    out = piece_velocities(v, w, c, pts)
    # At the centre: v; one metre along +x spinning about +z at 3 rad/s: +3 m/s along +y;
    # on the spin axis: v.
    np.testing.assert_allclose(out, [v, v + [0.0, 3.0, 0.0], v], atol=1e-15)


def test_piece_velocities_conserve_momentum() -> None:
    from scipy.spatial.transform import Rotation

    mesh = CONVEX["icosphere"]()
    mesh.apply_translation([0.01, 0.02, -0.03])
    pieces = fracture(mesh, 17, np.random.default_rng(1))
    rot = Rotation.from_rotvec([0.3, -1.1, 0.7]).as_matrix()
    shift = np.array([2.0, -1.0, 0.8])
    com_world = rot @ mesh.center_mass + shift
    piece_com = np.array([rot @ p.center_of_mass + shift for p in pieces])
    volumes = np.array([p.volume for p in pieces])
    total_mass = 0.25  # kg
    masses = total_mass * volumes / volumes.sum()
    v = np.array([0.4, -1.2, -3.0])
    w = np.array([5.0, 12.0, -7.0])
    vel = piece_velocities(v, w, com_world, piece_com)
    momentum = masses @ vel
    np.testing.assert_allclose(momentum, total_mass * v, rtol=0, atol=1e-9 * total_mass * 3.3)
    assert np.linalg.norm(momentum - total_mass * v) <= 1e-9 * np.linalg.norm(total_mass * v)


def test_bad_inputs_raise() -> None:
    box = CONVEX["box"]()
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ArgumentError, match="positive integer"):
            fracture(box, bad, np.random.default_rng(0))
    open_box = trimesh.Trimesh(box.vertices, box.faces[:-2])
    with pytest.raises(AssetError, match="not watertight"):
        fracture(open_box, 4, np.random.default_rng(0))
    inverted = box.copy()
    inverted.invert()
    with pytest.raises(AssetError, match="inward"):
        fracture(inverted, 4, np.random.default_rng(0))


def test_winding_number_matches_a_sphere() -> None:
    mesh = trimesh.creation.icosphere(subdivisions=3, radius=0.05)
    pts = np.random.default_rng(0).uniform(-0.06, 0.06, (3000, 3))
    w = fr._winding_number(np.asarray(mesh.triangles), pts)
    r = np.linalg.norm(pts, axis=1)
    # The icosphere lies between its inscribed radius and 0.05 m.
    np.testing.assert_allclose(w[r < 0.049], 1.0, atol=1e-9)
    np.testing.assert_allclose(w[r > 0.0501], 0.0, atol=1e-9)


def test_large_meshes_use_ray_tests_with_the_same_result(monkeypatch) -> None:
    box = CONVEX["box"]()
    monkeypatch.setattr(fr, "_WINDING_MAX_FACES", 0)
    pieces = fracture(box, 9, np.random.default_rng(6))
    assert len(pieces) == 9
    np.testing.assert_allclose(sum(p.volume for p in pieces), box.volume, rtol=1e-9)
