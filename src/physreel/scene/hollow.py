"""Scene models of hollow and open shapes with wall thickness: tube, open box (crate), cup,
bowl, basket.

Units: metres.  Every shape is centred on the centre of its bounding box (like the primitives)
with its axis along the object's Z; containers open upwards.  Their collision is made of
convex parts that follow the walls (see :mod:`physreel.assets.hollow`), so a ball rolls
through a tube and stays in a crate.

This module does not import :mod:`physreel.scene.models` (which imports it).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]

__all__ = ["Basket", "Bowl", "Cup", "OpenBox", "Tube"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _thin_enough(wall: float, limit: float, what: str) -> None:
    if wall >= limit:
        raise ValueError(f"wall ({wall:g} m) must be thinner than {what} ({limit:g} m)")


class Tube(_Model):
    """A pipe open at both ends: outer ``radius``, ``height`` along Z, ``wall`` thickness."""

    type: Literal["tube"] = "tube"
    radius: PositiveFloat
    height: PositiveFloat
    wall: PositiveFloat

    @model_validator(mode="after")
    def _check(self) -> Tube:
        _thin_enough(self.wall, self.radius, "the radius")
        return self


class OpenBox(_Model):
    """A crate: a floor and four walls, open at the top.  ``size`` is the outer size
    ``[x, y, z]``; ``wall`` the thickness of the walls, ``bottom`` of the floor (default
    ``wall``)."""

    type: Literal["open_box"] = "open_box"
    size: tuple[PositiveFloat, PositiveFloat, PositiveFloat]
    wall: PositiveFloat
    bottom: PositiveFloat | None = None

    @model_validator(mode="after")
    def _check(self) -> OpenBox:
        _thin_enough(2 * self.wall, min(self.size[0], self.size[1]), "half the smaller side")
        _thin_enough(self.bottom or self.wall, self.size[2], "the height")
        return self


class Cup(_Model):
    """A cylindrical cup (a mug without its handle, a glass, a bucket): outer ``radius``,
    ``height``, side ``wall`` and ``bottom`` thickness (default ``wall``)."""

    type: Literal["cup"] = "cup"
    radius: PositiveFloat
    height: PositiveFloat
    wall: PositiveFloat
    bottom: PositiveFloat | None = None

    @model_validator(mode="after")
    def _check(self) -> Cup:
        _thin_enough(self.wall, self.radius, "the radius")
        _thin_enough(self.bottom or self.wall, self.height, "the height")
        return self


class Bowl(_Model):
    """A hemispherical bowl, open at the top: outer ``radius``, ``wall`` thickness.  Its
    bounding box is ``2 radius x 2 radius x radius``."""

    type: Literal["bowl"] = "bowl"
    radius: PositiveFloat
    wall: PositiveFloat

    @model_validator(mode="after")
    def _check(self) -> Bowl:
        _thin_enough(self.wall, self.radius, "the radius")
        return self


class Basket(_Model):
    """A round basket: a solid ``bottom`` (default ``wall``), ``slats`` vertical slats of
    ``wall`` thickness around it with gaps between them, and a rim ring at the top.  Outer
    ``radius`` and ``height``."""

    type: Literal["basket"] = "basket"
    radius: PositiveFloat
    height: PositiveFloat
    wall: PositiveFloat
    slats: Annotated[int, Field(ge=3, le=64)] = 12
    bottom: PositiveFloat | None = None

    @model_validator(mode="after")
    def _check(self) -> Basket:
        _thin_enough(self.wall, self.radius, "the radius")
        _thin_enough(2 * (self.bottom or self.wall), self.height, "half the height")
        return self
