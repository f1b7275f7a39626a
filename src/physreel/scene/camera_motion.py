"""Camera motion specs: orbit, dolly, truck, move, pan, tilt, zoom, follow, path, shake.

A camera's ``motion`` is a list of these, applied in order at every frame time: the camera's
base state (position, look-at point, fov, up) goes through each motion in turn.  Evaluation
lives in :mod:`physreel.rendering.camera_path`; this module is data only.

Common fields of the timed motions (orbit, dolly, truck, move, pan, tilt, zoom):

- ``start`` / ``end``: seconds; the motion runs from ``start`` (default 0) to ``end`` (default
  the time of the clip's last frame).  Before ``start`` it has not begun, after ``end`` it
  stays complete.
- ``easing``: how progress goes from 0 to 1 in that window (see
  :mod:`physreel.scene.keyframes`).  ``orbit`` defaults to ``linear`` (a steady turntable);
  the others default to ``smooth`` (start and stop without a jolt).

Angles are in degrees.  Senses: a positive ``orbit`` turns counter-clockwise about its axis by
the right-hand rule (about world +Z: counter-clockwise seen from above, so (4, 0) goes to
(0, 4)); positive ``pan`` turns the view to the right, positive ``tilt`` up; positive
``dolly`` moves forward, positive ``truck`` to the right, positive ``pedestal`` up.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from physreel.scene.keyframes import Easing, Finite, Vec3, _Model, check_key_times

NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Fov = Annotated[float, Field(gt=1, lt=170, allow_inf_nan=False)]


class _Timed(_Model):
    start: NonNeg | None = None
    end: NonNeg | None = None

    @model_validator(mode="after")
    def _window(self) -> _Timed:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"'end' ({self.end} s) must be after 'start' ({self.start} s)")
        return self


class OrbitMotion(_Timed):
    """Turn the camera (position, look-at point and up) about an axis through ``center``.

    ``center`` defaults to the camera's look-at point at that moment; ``axis`` is ``x``, ``y``,
    ``z`` or a world vector.  The look-at point stays at the centre of the image when
    ``center`` is the look-at point.
    """

    type: Literal["orbit"] = "orbit"
    degrees: Finite = 360.0
    center: Vec3 | None = None
    axis: Literal["x", "y", "z"] | Vec3 = "z"
    easing: Easing = "linear"

    @model_validator(mode="after")
    def _axis(self) -> OrbitMotion:
        if not isinstance(self.axis, str) and sum(c * c for c in self.axis) < 1e-12:
            raise ValueError("orbit axis must not be zero; use 'z' or a direction like [0, 0, 1]")
        return self


class DollyMotion(_Timed):
    """Move the camera along its viewing direction by ``distance`` metres (positive: forward).

    The look-at point stays, so the view direction is unchanged; the camera must not reach it.
    """

    type: Literal["dolly"] = "dolly"
    distance: Finite
    easing: Easing = "smooth"


class TruckMotion(_Timed):
    """Slide the camera and its look-at point sideways by ``distance`` metres (positive: right)
    and along the up vector by ``pedestal`` metres (positive: up)."""

    type: Literal["truck"] = "truck"
    distance: Finite = 0.0
    pedestal: Finite = 0.0
    easing: Easing = "smooth"


class MoveMotion(_Timed):
    """Translate the camera by ``offset`` (world coordinates, metres).

    The look-at point moves with it unless ``keep_look_at`` (then the camera turns to keep
    looking at the same point, like a crane shot).
    """

    type: Literal["move"] = "move"
    offset: Vec3
    keep_look_at: bool = False
    easing: Easing = "smooth"


class PanMotion(_Timed):
    """Turn the view about the up vector (world Z) by ``degrees`` (positive: to the right).

    The camera position stays.
    """

    type: Literal["pan"] = "pan"
    degrees: Finite
    easing: Easing = "smooth"


class TiltMotion(_Timed):
    """Turn the view about the camera's right axis by ``degrees`` (positive: up).

    The camera position stays.  Tilting through straight up or down turns the image upside
    down (the up vector keeps its meaning).
    """

    type: Literal["tilt"] = "tilt"
    degrees: Finite
    easing: Easing = "smooth"


class ZoomMotion(_Timed):
    """Change the vertical field of view.  Give exactly one of:

    - ``fov: [from, to]`` (degrees; ``from`` replaces the camera's fov from the first frame),
    - ``to_fov`` (degrees; from the camera's current fov),
    - ``factor`` (magnification: 2 halves ``tan(fov / 2)``, i.e. doubles the focal length).

    The focal length (``1 / tan(fov / 2)``) is interpolated, so the zoom looks uniform.
    """

    type: Literal["zoom"] = "zoom"
    fov: tuple[Fov, Fov] | None = None
    to_fov: Fov | None = None
    factor: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    easing: Easing = "smooth"

    @model_validator(mode="after")
    def _one(self) -> ZoomMotion:
        given = [n for n in ("fov", "to_fov", "factor") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(
                "zoom needs exactly one of 'fov: [from, to]', 'to_fov' or 'factor', "
                f"got {given or 'none'}"
            )
        return self


class FollowMotion(_Timed):
    """Keep an object in view.

    - ``offset`` given: camera position = object position + ``offset`` (world, metres);
      ``offset`` left out: the camera stays where it is and turns to the object.
    - look-at point = object position + ``look_offset``.
    - ``smoothing``: time constant in seconds of an exponential smoothing of the object's
      position (0 = rigid: the object's point stays exactly at the image centre).
    - ``start`` / ``end`` (seconds): before ``start`` the camera is unaffected; after ``end`` it
      keeps the position and look-at point it had at ``end``.
    """

    type: Literal["follow"] = "follow"
    object: Annotated[str, Field(min_length=1)]
    offset: Vec3 | None = None
    look_offset: Vec3 = (0.0, 0.0, 0.0)
    smoothing: NonNeg = 0.0


class CameraKey(_Model):
    """One key of a camera path: ``time`` (s) and any of ``position``, ``look_at`` (metres,
    world) and ``fov`` (degrees).  ``easing`` shapes the segment to the next key."""

    time: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    position: Vec3 | None = None
    look_at: Vec3 | None = None
    fov: Fov | None = None
    easing: Easing = "smooth"

    @model_validator(mode="after")
    def _some(self) -> CameraKey:
        if self.position is None and self.look_at is None and self.fov is None:
            raise ValueError("a camera key needs at least one of 'position', 'look_at', 'fov'")
        return self


class PathMotion(_Model):
    """A keyframed camera path.  Each channel (position, look_at, fov) is interpolated among
    the keys that give it and replaces the camera's value; channels no key gives are left as
    they are.  Values are held before the first and after the last key.  Key times are
    absolute clip times in seconds.  ``fov`` is interpolated in focal length
    (``1 / tan(fov / 2)``), like ``zoom``."""

    type: Literal["path"] = "path"
    keys: Annotated[list[CameraKey], AfterValidator(check_key_times)]


class ShakeMotion(_Timed):
    """Hand-held shake: smooth, seeded noise (sums of sinusoids with random phases).

    - ``amplitude``: peak rotation in degrees about the camera's right and down axes (each
      stays within ``±amplitude``; roll about the viewing axis within ``±amplitude / 2``).
    - ``position_amplitude``: peak displacement in metres along each camera axis.
    - ``frequency``: typical frequency in Hz (the components lie between 0.5× and 2×).
    - ``seed``: fixed seed of the noise; left out, the noise is drawn from the generator the
      renderer derives from the scene seed and the camera.
    - ``start`` / ``end``: the shake fades in and out over one period inside that window.

    The rotation jitter is applied to the final camera orientation; the displacement moves the
    camera and its look-at point at its place in the motion list.
    """

    type: Literal["shake"] = "shake"
    amplitude: NonNeg = 0.5
    position_amplitude: NonNeg = 0.0
    frequency: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1.0
    seed: Annotated[int, Field(ge=0)] | None = None


CameraMotion = Annotated[
    OrbitMotion
    | DollyMotion
    | TruckMotion
    | MoveMotion
    | PanMotion
    | TiltMotion
    | ZoomMotion
    | FollowMotion
    | PathMotion
    | ShakeMotion,
    Field(discriminator="type"),
]
"""One camera motion, tagged by ``type``."""
