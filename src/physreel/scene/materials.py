"""Material presets.

A material is a physics part (density, friction, rolling/spinning friction, restitution) and a
look (colour, roughness, metallic, opacity).  Bullet combines two bodies' values at a contact
by *multiplying* them: the restitution of a contact is ``e_a * e_b`` and its friction
``mu_a * mu_b``.  The values below are chosen with that rule in mind: the default floor
(concrete) has restitution 0.9 and friction 0.9, so a rubber ball (0.85) bounces on it with
``e = 0.765`` and a glass (0.4) with ``e = 0.36``.  Rolling friction is combined by Bullet as
``rf_a * mu_b + rf_b * mu_a``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

Color3 = tuple[float, float, float]


@dataclass(frozen=True)
class MaterialProps:
    """Resolved material.

    Attributes
    ----------
    density : float, kg/m^3
    friction : float
        Coulomb friction coefficient (Bullet multiplies the two bodies' values).
    rolling_friction, spinning_friction : float
        Bullet rolling and spinning (torsional) friction coefficients.
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


PRESETS: dict[str, MaterialProps] = {
    "rubber": MaterialProps(1100, 0.9, 0.005, 0.005, 0.85, (0.75, 0.12, 0.10), 0.85, class_name="rubber"),
    "wood": MaterialProps(700, 0.5, 0.003, 0.003, 0.5, (0.62, 0.42, 0.24), 0.7, class_name="wood"),
    "steel": MaterialProps(7850, 0.4, 0.001, 0.001, 0.6, (0.72, 0.73, 0.75), 0.35, metallic=0.6, class_name="metal"),
    "glass": MaterialProps(2500, 0.4, 0.002, 0.002, 0.4, (0.80, 0.92, 0.96), 0.05, opacity=0.55, class_name="glass", breaks=True, break_speed=2.5),
    "plastic": MaterialProps(1050, 0.35, 0.003, 0.003, 0.6, (0.15, 0.45, 0.85), 0.45, class_name="plastic"),
    "ceramic": MaterialProps(2400, 0.5, 0.002, 0.002, 0.45, (0.93, 0.92, 0.88), 0.25, class_name="ceramic", breaks=True, break_speed=2.0),
    "ice": MaterialProps(917, 0.03, 0.0005, 0.0005, 0.3, (0.82, 0.93, 1.0), 0.1, opacity=0.85, class_name="ice"),
    "concrete": MaterialProps(2400, 0.9, 0.01, 0.01, 0.9, (0.55, 0.55, 0.53), 0.9, class_name="concrete"),
    # The default of humanoids: the body's density, a firm grip, and a restitution that sends a
    # football (rubber) off a kick at 1 + 0.4 x 0.85 = 1.34 x the foot's speed (1.1-1.6 measured).
    "person": MaterialProps(985, 0.8, 0.01, 0.01, 0.4, (0.58, 0.5, 0.42), 0.6, class_name="person"),
}
"""The shipped presets, by name."""

DEFAULT_MATERIAL = "plastic"
