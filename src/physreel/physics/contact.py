"""How a body touches things: Bullet's per-body contact settings, derived from its shape.

Rolling and spinning resistance
-------------------------------
Bullet's rolling friction is a *length*: at a contact it limits the rolling torque to
``(rf_a * mu_b + rf_b * mu_a) * N`` (``N`` the normal force), and the same for spinning
friction about the contact normal.  A material's ``rolling_friction`` is the dimensionless
rolling-resistance coefficient of a round body (force / normal force, real values
0.001-0.02), so a round body of radius ``r`` gets ``rf = rolling_friction * r`` and every other
body (boxes, the floor, fracture shards) gets 0.  On a surface of friction ``mu`` a sphere then
decelerates at ``5/7 * g * rolling_friction * mu`` and rolls ``7 v^2 / (10 g rolling_friction
mu)`` from speed ``v`` (tested).  A block gets no rolling friction: with the old presets
(0.003-0.01 m on every body) a 7x24x48 mm domino needed about twice the rigid-body push
``m g (t/2) / h`` to tip; now it tips at that push.

Bullet also caps the rolling torque impulse per step at the combined value itself; that only
binds when a step's normal impulse exceeds 1 N·s (a body over ~24 kg at 240 Hz).

Touching spheres
----------------
Bullet gives a contact restitution only from the approach speed it had before the step, so
spheres that touch at rest (a Newton's cradle) take an impact as one block: the first ball
bounces back and the others move off together.  A sphere's collision radius is therefore
:data:`SPHERE_CONTACT_GAP` smaller than its visual radius: touching balls are 20 µm apart for
the solver, each impact is passed on ball by ball in successive steps, and one ball in gives
one ball out (tested; measured: any gap from 1 µm to 1 mm works, 0 does not).
"""

from __future__ import annotations

from ..assets.primitives import Geometry
from ..scene.materials import MaterialProps

SPHERE_CONTACT_GAP = 1e-5
"""m; how much smaller a sphere's collision radius is than its visual radius."""

FLAT_CONTACT_THRESHOLD = 0.005
"""Contact processing threshold (m) of every body but spheres.

Bullet uses the smaller of the two bodies' values.  Spheres keep 0: with pybullet's default
(0.02 m) a ball's bounces rise 5-20 % too high.  Everything else uses 5 mm: with 0 a flat face
lands one corner per step, so a box dipped 7.8 mm into the floor from a 3 cm drop and a tall
box dropped flat from 5 cm tipped over (93 deg); with 5 mm the box dips 0.5 mm and stays
upright (1.2 deg)."""

ROUND_KINDS = ("sphere", "capsule", "cylinder", "cone", "mesh", "compound")
"""Geometry kinds that can roll.  Boxes cannot; fracture pieces are shards; a compound rolls on
its largest round part (``params["rolling_radius"]``, 0 for a crate)."""


def rolling_radius(geom: Geometry | None) -> float:
    """The radius a body rolls on (m), or 0 for a body that does not roll.

    Spheres, capsules, cylinders and cones roll on their radius; a mesh (a bottle, a ball,
    a duck) on half its smallest extent.  Boxes, fracture pieces and the floor: 0.
    """
    if geom is None or geom.kind not in ROUND_KINDS:
        return 0.0
    if "rolling_radius" in geom.params:
        return float(geom.params["rolling_radius"])
    if "radius" in geom.params:
        return float(geom.params["radius"])
    return 0.5 * float(min(geom.extents))


def dynamics_settings(geom: Geometry | None, material: MaterialProps) -> dict:
    """Bullet's ``changeDynamics`` contact keywords for a body of ``geom`` and ``material``.

    ``geom`` is None for the floor.  Returns lateral, rolling and spinning friction (Bullet's
    lengths, see the module notes), restitution and the contact processing threshold.
    """
    r = rolling_radius(geom)
    return dict(
        lateralFriction=material.friction,
        rollingFriction=material.rolling_friction * r,
        spinningFriction=material.spinning_friction * r,
        restitution=material.restitution,
        contactProcessingThreshold=0.0 if geom is not None and geom.kind == "sphere" else FLAT_CONTACT_THRESHOLD,
    )


def collision_radius(radius: float) -> float:
    """Collision radius (m) of a sphere of visual ``radius`` (see :data:`SPHERE_CONTACT_GAP`)."""
    return max(radius - SPHERE_CONTACT_GAP, 0.5 * radius)
