"""Scene models of hollow and open shapes with wall thickness (tube, open box (crate), cup,
bowl, basket) and of ropes.

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

__all__ = ["Basket", "Bowl", "Cup", "OpenBox", "Rope", "Tube"]


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


class Rope(_Model):
    """A rope, string or chain from ``start`` to ``end`` (points in the object's frame: with
    the default position, world points), made of ``segments`` capsules of ``radius`` linked by
    ball joints, so it hangs, swings, goes slack and wraps.  ``length`` defaults to the distance
    between the ends (longer: it starts sagging).  ``start_object`` / ``end_object``: the
    objects its ends are tied to (at those points); an end tied to nothing is fixed in the
    world, and ``end_free: true`` leaves the end loose.  A rope taut between its ends carries
    their load as a tether (it can go slack, never stretch)."""

    type: Literal["rope"] = "rope"
    start: tuple[float, float, float]
    end: tuple[float, float, float]
    length: PositiveFloat | None = None
    radius: PositiveFloat = 0.004
    segments: Annotated[int, Field(ge=2, le=200)] | None = None
    start_object: Annotated[str, Field(min_length=1)] | None = None
    end_object: Annotated[str, Field(min_length=1)] | None = None
    end_free: bool = False

    @model_validator(mode="after")
    def _check(self) -> Rope:
        d = sum((a - b) ** 2 for a, b in zip(self.start, self.end, strict=True)) ** 0.5
        if d < 1e-9 and self.length is None:
            raise ValueError("a rope's start and end are the same point; give 'length' or move 'end'")
        if self.length is not None and self.length < d - 1e-9:
            raise ValueError(
                f"length ({self.length:g} m) is shorter than the distance between start and end "
                f"({d:g} m); a rope cannot start stretched"
            )
        if self.end_free and self.end_object is not None:
            raise ValueError("a free end is tied to nothing; remove 'end_object' or 'end_free'")
        return self
