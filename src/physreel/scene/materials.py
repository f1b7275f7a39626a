"""Material presets, read from the data table ``physreel/data/materials.csv``.

A material is a physics part (density, friction, rolling/spinning resistance, restitution) and
a look (colour, roughness, metallic, opacity).  Bullet combines two bodies' values at a contact
by *multiplying* them: the restitution of a contact is ``e_a * e_b`` and its friction
``mu_a * mu_b``.  The presets are chosen with that rule in mind: the default floor (concrete)
has restitution 0.9 and friction 0.9, so a rubber ball (0.85) bounces on it with
``e = 0.765`` and a glass (0.4) with ``e = 0.36``.

Rolling and spinning resistance belong to *round* bodies (see
:func:`physreel.physics.contact.rolling_radius`): a round body of material ``a`` rolling on a
surface of friction ``mu_b`` feels a rolling-resistance force ``rolling_friction_a * mu_b``
times the normal force (the same product rule), and a spinning-resistance torque
``spinning_friction_a * r * mu_b`` times the normal force.  Flat bodies and the floor carry
none, so a block's tipping and a box's sliding are plain Coulomb friction.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from importlib import resources

Color3 = tuple[float, float, float]


@dataclass(frozen=True)
class MaterialProps:
    """Resolved material.

    Attributes
    ----------
    density : float, kg/m^3
    friction : float
        Coulomb friction coefficient (Bullet multiplies the two bodies' values).
    rolling_friction : float, dimensionless
        Rolling-resistance coefficient of a round body of this material on a surface of
        friction 1 (resisting force / normal force); on a surface of friction ``mu`` it is
        ``rolling_friction * mu``.  Real values are 0.001-0.02.  Unused by flat bodies.
    spinning_friction : float, dimensionless
        Torsional resistance of a round body of radius ``r``: a torque of
        ``spinning_friction * r * mu`` times the normal force.  Unused by flat bodies.
    restitution : float
        Coefficient of restitution, 0..1 (Bullet multiplies the two bodies' values).
    color : (3,) float in 0..1, linear RGB base colour
    roughness, metallic : float in 0..1 (glTF PBR)
    opacity : float in 0..1 (1 = opaque)
    class_name : str
        Semantic class used by segmentation and captions.
    breaks : bool
        Whether objects of this material are breakable by default (glass, ceramic).
    break_speed : float, m/s
        Default breaking threshold expressed as an impact speed (impulse per unit mass):
        brittle fracture depends mostly on impact speed, so a 250 g tumbler and a 1.4 kg solid
        glass block of the same material break at the same speed.
    """

    density: float
    friction: float
    rolling_friction: float
    spinning_friction: float
    restitution: float
    color: Color3
    roughness: float
    metallic: float = 0.0
    opacity: float = 1.0
    class_name: str = "object"
    breaks: bool = False
    break_speed: float = 0.0

    def with_overrides(self, **kw) -> MaterialProps:
        return replace(self, **{k: v for k, v in kw.items() if v is not None})


_FLOATS = ("density", "friction", "rolling_friction", "spinning_friction", "restitution",
           "roughness", "metallic", "opacity", "break_speed")


def load_presets(text: str) -> dict[str, MaterialProps]:
    """Parse the preset table (CSV with a header row; lines starting with ``#`` are comments).

    Parameters
    ----------
    text : str
        The table; columns ``name`` and every :class:`MaterialProps` field but ``breaks``
        (a material breaks by default when its ``break_speed`` is above 0); ``color`` is
        three numbers in 0..1 separated by spaces.

    Returns
    -------
    dict name -> MaterialProps, in table order.
    """
    rows = csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    out: dict[str, MaterialProps] = {}
    for row in rows:
        values = {k: float(row[k]) for k in _FLOATS}
        color = tuple(float(c) for c in row["color"].split())
        if len(color) != 3:
            raise ValueError(f"material {row['name']!r}: color needs three numbers, got {row['color']!r}")
        out[row["name"]] = MaterialProps(
            color=color, class_name=row["class_name"], breaks=values["break_speed"] > 0, **values
        )
    return out


PRESETS: dict[str, MaterialProps] = load_presets(
    resources.files("physreel").joinpath("data/materials.csv").read_text(encoding="utf-8")
)
"""The shipped presets, by name (from ``physreel/data/materials.csv``)."""

DEFAULT_MATERIAL = "plastic"
