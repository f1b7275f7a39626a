"""The light of the sky on the scene: diffuse irradiance and what shiny surfaces reflect.

Every sky (:class:`physreel.scene.models.Sky`) becomes a radiance function over directions
(:mod:`physreel.rendering.sky`).  From it:

- the *diffuse* light a surface with normal n receives, as 9 spherical-harmonic coefficients
  (Ramamoorthi & Hanrahan 2001: the radiance's SH projection convolved with the clamped
  cosine, bands scaled by pi, 2 pi / 3, pi / 4; here divided by pi, so that the shader's
  polynomial in n times the albedo is the reflected light);
- the *reflected* light, a cube map of the radiance whose mip levels the GPU box-filters
  (seamless cube filtering); the shader picks the level from the roughness and weights it
  with an analytic fit of the split-sum environment BRDF (Karis 2014, "Physically based
  shading on mobile").

Directions are world directions (Z up); the cube map is looked up with them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Real SH basis constants, bands 0..2 (Y00, Y1m, Y2m).
_C0 = 0.282094792
_C1 = 0.488602512
_C2 = 1.092548431
_C3 = 0.315391565
_C4 = 0.546274215
#: Clamped-cosine convolution per band, divided by pi (so irradiance / pi comes out).
_BAND = np.array([1.0, 2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 0.25, 0.25, 0.25, 0.25, 0.25])


def sh9_basis(d: np.ndarray) -> np.ndarray:
    """(..., 9) real SH basis of unit directions ``d`` (..., 3) in the order
    Y00, Y1-1 (y), Y10 (z), Y11 (x), Y2-2 (xy), Y2-1 (yz), Y20 (3z^2 - 1), Y21 (xz), Y22 (x^2 - y^2)."""
    x, y, z = d[..., 0], d[..., 1], d[..., 2]
    return np.stack([np.full_like(x, _C0), _C1 * y, _C1 * z, _C1 * x, _C2 * x * y, _C2 * y * z,
                     _C3 * (3.0 * z * z - 1.0), _C2 * x * z, _C4 * (x * x - y * y)], axis=-1)


def project_sh9(dirs: np.ndarray, radiance: np.ndarray, solid_angle: np.ndarray) -> np.ndarray:
    """(9, 3) SH projection of ``radiance`` (N, 3) sampled at unit ``dirs`` (N, 3), each
    sample standing for ``solid_angle`` (N,) steradians."""
    basis = sh9_basis(dirs) * solid_angle[:, None]
    return basis.T @ radiance


def diffuse_sh(radiance_sh: np.ndarray) -> np.ndarray:
    """(9, 3) coefficients of E(n) / pi (irradiance over pi) from the radiance's SH."""
    return radiance_sh * _BAND[:, None]


def eval_sh(coeffs: np.ndarray, n: np.ndarray) -> np.ndarray:
    """(..., 3) value of SH ``coeffs`` (9, 3) in unit directions ``n`` (..., 3)."""
    return sh9_basis(n) @ coeffs


def shader_sh(coeffs: np.ndarray) -> np.ndarray:
    """(9, 3) float32: the coefficients with the basis constants folded in, for the shader's
    ``c0 + c1 y + c2 z + c3 x + c4 xy + c5 yz + c6 (3 z^2 - 1) + c7 xz + c8 (x^2 - y^2)``."""
    k = np.array([_C0, _C1, _C1, _C1, _C2, _C2, _C3, _C2, _C4])
    return (coeffs * k[:, None]).astype(np.float32)


def cube_directions(size: int) -> np.ndarray:
    """(6, size, size, 3) unit directions at the texel centres of a GL cube map, faces in GL
    order (+X, -X, +Y, -Y, +Z, -Z), row t, column s (the GL spec's face table)."""
    c = (np.arange(size) + 0.5) / size * 2.0 - 1.0
    s, t = np.meshgrid(c, c)  # s along a row, t down the rows
    one = np.ones_like(s)
    faces = [(one, -t, -s), (-one, -t, s), (s, one, t), (s, -one, -t), (s, -t, one), (-s, -t, -one)]
    d = np.stack([np.stack(f, axis=-1) for f in faces])
    return d / np.linalg.norm(d, axis=-1, keepdims=True)


def cube_solid_angles(size: int) -> np.ndarray:
    """(6, size, size) solid angle of each cube-map texel, steradians (they sum to 4 pi)."""
    def corner(a, b):
        return np.arctan2(a * b, np.sqrt(a * a + b * b + 1.0))

    e = np.linspace(-1.0, 1.0, size + 1)
    x0, y0 = np.meshgrid(e[:-1], e[:-1])
    x1, y1 = np.meshgrid(e[1:], e[1:])
    w = corner(x1, y1) - corner(x0, y1) - corner(x1, y0) + corner(x0, y0)
    return np.broadcast_to(w, (6, size, size))


@dataclass
class Environment:
    """The sky's light, ready for the shaders (exposure applied).

    Attributes
    ----------
    diffuse : (9, 3) float32
        :func:`shader_sh` coefficients of E(n) / pi: the light a white diffuse surface of
        normal n reflects.
    cube : (6, S, S, 3) float32
        Radiance in every direction (the reflections; its mips are box-filtered on the GPU).
    horizon : (3,) float
        Radiance at the horizon (what haze fades into; drawn sky colours come out exactly).
    elevation : (64, 8, 3) float32 or None
        For environments that vary with height only (drawn skies over a floor), the reflected
        radiance by mirror-direction height and roughness (:func:`elevation_table`): one 2D
        lookup instead of the cube map's.
    """

    diffuse: np.ndarray
    cube: np.ndarray
    horizon: np.ndarray
    elevation: np.ndarray | None = None

    def diffuse_at(self, n: np.ndarray) -> np.ndarray:
        """(..., 3) E(n) / pi in unit directions ``n`` (..., 3) (as the shader computes it)."""
        n = np.asarray(n, dtype=np.float64)
        x, y, z = n[..., 0], n[..., 1], n[..., 2]
        c = self.diffuse.astype(np.float64)
        terms = np.stack([np.ones_like(x), y, z, x, x * y, y * z, 3 * z * z - 1, x * z, x * x - y * y], -1)
        return terms @ c


def build_environment(radiance, size: int, horizon: np.ndarray, diffuse_radiance=None) -> Environment:
    """The :class:`Environment` of a radiance function ``radiance(dirs (N, 3)) -> (N, 3)``
    sampled on a ``size``-square cube map (``diffuse_radiance``, when given, is the radiance
    of the diffuse light instead)."""
    dirs = cube_directions(size)
    flat = dirs.reshape(-1, 3)
    cube = np.asarray(radiance(flat), dtype=np.float64).reshape(6, size, size, 3)
    diffuse = cube.reshape(-1, 3) if diffuse_radiance is None else np.asarray(diffuse_radiance(flat), dtype=np.float64)
    sh = project_sh9(flat, diffuse, cube_solid_angles(size).reshape(-1))
    return Environment(shader_sh(diffuse_sh(sh)), cube.astype(np.float32), np.asarray(horizon, dtype=np.float64))


#: Roughness levels (columns) and elevations (rows) of :func:`elevation_table`.
ELEVATION_ROUGHNESS = 8
ELEVATIONS = 64


def elevation_table(radiance, roughness_levels: int = ELEVATION_ROUGHNESS, n_z: int = ELEVATIONS,
                    samples: int = 4096) -> np.ndarray:
    """(n_z, roughness_levels, 3) float32: the radiance a surface of roughness
    ``j / (levels - 1)`` reflects from mirror directions of height ``z = -1 + 2 (i + 0.5) / n_z``,
    for an environment that varies with height only (a drawn sky over a floor): the radiance
    around the mirror direction weighted by the GGX lobe (alpha = roughness^2) times n . l, as
    the split-sum approximation prefilters it (with n = v = r).  ``radiance(dirs)`` is sampled
    at azimuth 0 of each sample's height."""
    i = np.arange(samples) + 0.5
    z = 1.0 - 2.0 * i / samples  # Fibonacci sphere
    phi = np.pi * (1.0 + 5.0 ** 0.5) * i
    rho = np.sqrt(1.0 - z * z)
    light = np.stack([rho * np.cos(phi), rho * np.sin(phi), z], axis=1)
    lz = np.stack([np.sqrt(1.0 - z * z), np.zeros_like(z), z], axis=1)
    rad = np.asarray(radiance(lz), dtype=np.float64)  # (samples, 3), by height only
    rz = -1.0 + 2.0 * (np.arange(n_z) + 0.5) / n_z
    r = np.stack([np.sqrt(1.0 - rz * rz), np.zeros_like(rz), rz], axis=1)  # mirror directions
    out = np.zeros((n_z, roughness_levels, 3))
    cos = r @ light.T  # (n_z, samples) n . l with n = r
    for j in range(roughness_levels):
        a2 = max((j / (roughness_levels - 1)) ** 4, 1e-6)
        nh = np.sqrt(np.clip((cos + 1.0) / 2.0, 0.0, 1.0))  # n . h for v = n
        d = a2 / (np.pi * (nh * nh * (a2 - 1.0) + 1.0) ** 2)
        w = d * np.clip(cos, 0.0, None)
        if j == 0:  # a mirror: the radiance in the mirror direction itself
            w = np.exp((cos - 1.0) * 4000.0) * (cos > 0)
        out[:, j] = (w @ rad) / np.maximum(w.sum(axis=1, keepdims=True), 1e-12)
    return out.astype(np.float32)


def env_brdf(f0: np.ndarray, roughness: float, nv: np.ndarray) -> np.ndarray:
    """Karis' analytic fit of the split-sum environment BRDF: the factor (..., 3) by which
    prefiltered radiance is weighted (``f0`` (3,), ``nv`` = n . v (...,))."""
    c0 = np.array([-1.0, -0.0275, -0.572, 0.022])
    c1 = np.array([1.0, 0.0425, 1.04, -0.04])
    r = roughness * c0 + c1
    a004 = np.minimum(r[0] * r[0], np.exp2(-9.28 * np.asarray(nv))) * r[0] + r[1]
    a, b = a004 * -1.04 + r[2], a004 * 1.04 + r[3]
    return np.asarray(f0) * a[..., None] + b[..., None]
