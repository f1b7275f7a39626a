"""Tabulated lighting of the floor by directional lights.

The floor is a plane (normal +Z) with one material, and a directional light arrives from the
same direction everywhere, so what the floor reflects towards the camera from such a light
depends only on the view direction ``v``.  Shading it per pixel for every light is most of a
frame's cost on llvmpipe (the floor fills half the image); a table over the hemisphere of view
directions replaces that with two filtered lookups per pixel.

The table is indexed by the stereographic projection of ``v``: ``s = v.xy / (1 + v.z)`` maps
the upper hemisphere onto the unit disc, texture coordinates ``s / 2 + 1/2``.  Entries follow
the shader's BRDF exactly (glTF metallic-roughness: Schlick Fresnel with f0 = 0.04, Smith-
Schlick visibility, GGX); each light contributes ``base * A(v) + B(v)`` times its radiance:

- ``A = nl (1 - F) 0.96 / pi`` (diffuse; 0.96 = 1 - f0 of a dielectric)
- ``B = nl F G D / (4 nl nv + 0.001)`` (specular)

with the shader's clamps (``nl, nv >= 0.001``).
"""

from __future__ import annotations

import numpy as np

#: Table resolution (texels per side); measured within one 8-bit level of per-pixel shading.
LUT_SIZE = 128


def view_directions(size: int = LUT_SIZE) -> np.ndarray:
    """(size, size, 3) float64 unit view directions at the texel centres (row = t, column = s);
    texels outside the unit disc repeat the nearest point of its rim (grazing views)."""
    c = (np.arange(size) + 0.5) / size * 2.0 - 1.0
    sx, sy = np.meshgrid(c, c)
    r2 = sx * sx + sy * sy
    scale = np.where(r2 > 1.0, 1.0 / np.sqrt(np.maximum(r2, 1e-12)), 1.0)
    sx, sy = sx * scale, sy * scale
    r2 = np.minimum(r2, 1.0)
    vz = (1.0 - r2) / (1.0 + r2)
    return np.stack([sx * (1.0 + vz), sy * (1.0 + vz), vz], axis=-1)


def brdf_terms(v: np.ndarray, to_light: np.ndarray, roughness: float) -> tuple[np.ndarray, np.ndarray]:
    """``A`` and ``B`` (see the module docstring) for view directions ``v`` (..., 3) (unit, from
    the floor towards the camera) and one light (``to_light``: unit vector towards it) on a
    dielectric floor of ``roughness``; (...) float64 each."""
    v = np.asarray(v, dtype=np.float64)
    to_light = np.asarray(to_light, dtype=np.float64)
    n_l = float(np.clip(to_light[2], 0.001, 1.0))
    h = v + to_light
    h /= np.linalg.norm(h, axis=-1, keepdims=True)
    nv = np.clip(np.abs(v[..., 2]), 0.001, 1.0)
    nh = np.clip(h[..., 2], 0.0, 1.0)
    vh = np.clip(np.sum(v * h, axis=-1), 0.0, 1.0)
    f = 0.04 + 0.96 * (1.0 - vh) ** 5
    r = float(np.clip(roughness, 0.04, 1.0))
    k = (r + 1.0) ** 2 / 8.0
    g = nv / (nv * (1.0 - k) + k) * n_l / (n_l * (1.0 - k) + k)
    a2 = r**4
    d = a2 / (np.pi * (nh * nh * (a2 - 1.0) + 1.0) ** 2)
    a = n_l * (1.0 - f) * 0.96 / np.pi
    b = n_l * f * g * d / (4.0 * n_l * nv + 0.001)
    return a, b


def light_terms(to_light: np.ndarray, roughness: float, size: int = LUT_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Per-texel ``A`` and ``B`` (size, size) float64 of one light (see :func:`brdf_terms`)."""
    return brdf_terms(view_directions(size), to_light, roughness)


def grey_lights(radiances: list) -> bool:
    """Whether every radiance (3,) has equal red, green and blue."""
    return all(np.ptp(np.asarray(r, dtype=np.float64)) == 0.0 for r in radiances)


def sky_specular(env, roughness: float, size: int = LUT_SIZE) -> np.ndarray:
    """(size, size, 3) the sky's light the floor reflects towards each tabulated view direction
    (``env``: :class:`~physreel.rendering.environment.Environment`): the radiance around the
    mirror direction -- for a floor this rough, the cosine-weighted mean the diffuse
    coefficients give -- times the split-sum environment BRDF of a dielectric."""
    from .environment import env_brdf

    v = view_directions(size)
    mirror = v * np.array([-1.0, -1.0, 1.0])
    return env.diffuse_at(mirror) * env_brdf(np.full(3, 0.04), roughness, np.clip(v[..., 2], 0.001, 1.0))


def floor_tables(directions: list, radiances: list, n_shadowed: int, roughness: float,
                 size: int = LUT_SIZE, sky: np.ndarray | None = None) -> list[np.ndarray]:
    """The floor's lookup tables, (size, size, 4) float32 each.

    Parameters
    ----------
    directions : unit directions the directional lights travel (shadowed lights first)
    radiances : their linear radiance (colour x intensity), (3,) each
    n_shadowed : how many of the first lights cast shadows (at most 3)

    Returns
    -------
    [lut0, lut1] or [lut0, lut1, lut2]: ``lut0`` = (sum of radiance * A over unshadowed
    lights, A of light 0), ``lut1`` = (sum of radiance * B over unshadowed lights, B of light
    0), ``lut2`` = (A1, B1, A2, B2).  Shadowed lights are weighted by their shadow and
    radiance in the shader.  When the unshadowed lights are all white (grey) and at most one
    light casts shadows, one table holds it all: (diffuse sum, specular sum, A0, B0), the sums
    of the first radiance component (one lookup per pixel instead of two; the sky's reflection,
    ``sky`` (size, size, 3), is then added as its luminance).
    """
    diffuse = np.zeros((size, size, 3))
    specular = np.zeros((size, size, 3)) if sky is None else np.array(sky, dtype=np.float64)
    shadowed = []
    for i, (d, rad) in enumerate(zip(directions, radiances, strict=True)):
        a, b = light_terms(-np.asarray(d, dtype=np.float64), roughness, size)
        if i < n_shadowed:
            shadowed.append((a, b))
            continue
        diffuse += a[..., None] * np.asarray(rad)
        specular += b[..., None] * np.asarray(rad)
    zero = np.zeros((size, size))
    a0, b0 = shadowed[0] if shadowed else (zero, zero)
    if grey_lights(radiances[n_shadowed:]) and n_shadowed <= 1:
        grey = specular @ np.array([0.2126, 0.7152, 0.0722])
        return [np.dstack([diffuse[..., 0], grey, a0, b0]).astype(np.float32)]
    tables = [np.dstack([diffuse, a0]), np.dstack([specular, b0])]
    if n_shadowed > 1:
        a1, b1 = shadowed[1]
        a2, b2 = shadowed[2] if n_shadowed > 2 else (zero, zero)
        tables.append(np.dstack([a1, b1, a2, b2]))
    return [t.astype(np.float32) for t in tables]
