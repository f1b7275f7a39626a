"""The scene format: immutable pydantic models.

Units: metres, kilograms, seconds; angles in degrees in scene files; world Z up.
Every model rejects unknown keys; unions are tagged by ``type``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from ..colors import parse_color
from .camera_motion import CameraMotion
from .hollow import Basket, Bowl, Cup, OpenBox, Rope, Tube
from .interactions import Action, BreakableField, Joint, Kinematic
from .people import Attach, Humanoid, LookKey, MotionClip, RagdollSpec

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Unit = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Vec3 = tuple[Finite, Finite, Finite]
Vec4 = tuple[Finite, Finite, Finite, Finite]

def _parse_color(v: Any) -> Any:
    """Accept ``[r, g, b]`` in 0..1 or ``"#rrggbb"`` (see :func:`physreel.colors.parse_color`)."""
    return parse_color(v)


_COLOR_SCHEMA = {
    "anyOf": [
        {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1}, "minItems": 3, "maxItems": 3},
        {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
    ],
}
Color = Annotated[tuple[float, float, float], BeforeValidator(_parse_color), WithJsonSchema(_COLOR_SCHEMA)]


class Model(BaseModel):
    """Base of every scene model: immutable, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ----------------------------------------------------------------------------------- shapes
class Box(Model):
    """A box centred on the object origin. ``size``: full extents [x, y, z], metres."""

    type: Literal["box"] = "box"
    size: tuple[PositiveFloat, PositiveFloat, PositiveFloat]


class Sphere(Model):
    """A sphere centred on the object origin."""

    type: Literal["sphere"] = "sphere"
    radius: PositiveFloat


class Cylinder(Model):
    """A cylinder along the object's Z axis, centred on the origin."""

    type: Literal["cylinder"] = "cylinder"
    radius: PositiveFloat
    height: PositiveFloat


class Capsule(Model):
    """A capsule along Z, centred on the origin. ``height`` is the total length, tip to tip."""

    type: Literal["capsule"] = "capsule"
    radius: PositiveFloat
    height: PositiveFloat

    @model_validator(mode="after")
    def _long_enough(self) -> Capsule:
        if self.height < 2 * self.radius:
            raise ValueError(
                f"capsule height (total length, tip to tip) must be at least 2 x radius = "
                f"{2 * self.radius:g}, got {self.height:g}"
            )
        return self


class Cone(Model):
    """A cone along Z, apex up; the origin is the centre of its bounding box (height / 2)."""

    type: Literal["cone"] = "cone"
    radius: PositiveFloat
    height: PositiveFloat


class MeshShape(Model):
    """A mesh file (OBJ, GLB/glTF, STL, PLY), path relative to the scene file.

    ``size`` scales the longest side to that many metres; ``scale`` multiplies the file's units
    (a number, or ``[sx, sy, sz]``). ``up`` is the file's up axis (glTF defaults to ``y``).
    """

    type: Literal["mesh"] = "mesh"
    file: str
    scale: PositiveFloat | tuple[PositiveFloat, PositiveFloat, PositiveFloat] | None = None
    size: PositiveFloat | None = None
    up: Literal["y", "z"] | None = None
    origin: Literal["center_of_mass", "bottom_center", "as_is"] = "center_of_mass"
    collision: Literal["hull", "decompose", "box", "sphere", "mesh"] = "hull"
    max_display_triangles: Annotated[int, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _one_scale(self) -> MeshShape:
        if self.scale is not None and self.size is not None:
            raise ValueError("give either 'size' (longest side in metres) or 'scale', not both")
        return self


_PART_SHAPES: list[type[BaseModel]] = [Box, Sphere, Cylinder, Capsule, Cone, MeshShape, Tube, OpenBox, Cup, Bowl, Basket]
PartShape = Annotated[Union[tuple(_PART_SHAPES)], Field(discriminator="type")]  # noqa: UP007 - built from a list
"""A shape that can be a part of a compound (any shape but a compound)."""


class CompoundPart(Model):
    """One part of a compound object: a shape placed in the compound's frame.

    ``position`` (m) and ``rotation`` (degrees, extrinsic XYZ) or ``quaternion`` place the
    part's own frame (the centre of its bounding box, or a mesh's origin) in the compound's
    frame.  ``material`` (default: the object's), ``density``, ``mass`` (kg, instead of
    density x volume) and ``color`` are the part's own.
    """

    shape: PartShape
    position: Vec3 = (0.0, 0.0, 0.0)
    rotation: Vec3 | None = None
    quaternion: Vec4 | None = None
    material: str | None = None
    density: PositiveFloat | None = None
    mass: PositiveFloat | None = None
    color: Color | None = None

    @model_validator(mode="after")
    def _one_orientation(self) -> CompoundPart:
        if self.rotation is not None and self.quaternion is not None:
            raise ValueError("give either 'rotation' (degrees, XYZ) or 'quaternion' ([x, y, z, w]), not both")
        if self.density is not None and self.mass is not None:
            raise ValueError("give either 'density' or 'mass' for a part, not both")
        return self


class Compound(Model):
    """One rigid body made of several parts (a mug with a handle, a kettlebell, a table):
    one mass, one centre of mass, one inertia, breakable as a whole.  The object's origin is
    the frame its parts are placed in."""

    type: Literal["compound"] = "compound"
    parts: Annotated[list[CompoundPart], Field(min_length=1)]


_SHAPES: list[type[BaseModel]] = [*_PART_SHAPES, Compound, Rope, Humanoid]
"""Every shape model the scene format accepts (see :func:`register_shape`)."""

Shape = Annotated[Union[tuple(_SHAPES)], Field(discriminator="type")]  # noqa: UP007 - built from a list


# -------------------------------------------------------------------------------- materials
class MaterialSpec(Model):
    """A material defined in the scene's ``materials:`` map; unset values come from ``base``."""

    base: str = "plastic"
    density: PositiveFloat | None = None
    friction: NonNegFloat | None = None
    rolling_friction: NonNegFloat | None = None
    spinning_friction: NonNegFloat | None = None
    restitution: Unit | None = None
    color: Color | None = None
    roughness: Unit | None = None
    metallic: Unit | None = None
    opacity: Unit | None = None
    class_name: str | None = None


# ---------------------------------------------------------------------------------- objects
class ArraySpec(Model):
    """Copies of an object in a row (``count: 10, offset: [0.03, 0, 0]``) or a grid
    (``count: [4, 3], offset: [[0.1, 0, 0], [0, 0.1, 0]]``): copy ``(i, j)`` sits at the
    object's position plus ``i`` times the first offset plus ``j`` times the second (metres, in
    the frame of ``position``).  Copies are named ``<name>_<i>`` (``<name>_<i>_<j>`` for a
    grid), numbers zero-padded to the same width; the object itself is replaced by them."""

    count: Annotated[int, Field(ge=1, le=10000)] | list[Annotated[int, Field(ge=1, le=10000)]]
    offset: Vec3 | list[Vec3]

    @model_validator(mode="after")
    def _dims(self) -> ArraySpec:
        counts = self.count if isinstance(self.count, list) else [self.count]
        offsets = self.offset if isinstance(self.offset, list) else [self.offset]
        if not 1 <= len(counts) <= 3 or len(counts) != len(offsets):
            raise ValueError(
                f"give one offset per count (a row: count: N, offset: [dx, dy, dz]; a grid: "
                f"count: [N, M], offset: [[...], [...]]), got {len(counts)} count(s) and "
                f"{len(offsets)} offset(s)"
            )
        return self

    @property
    def counts(self) -> list[int]:
        return self.count if isinstance(self.count, list) else [self.count]

    @property
    def offsets(self) -> list[Vec3]:
        return self.offset if isinstance(self.offset, list) else [self.offset]


class ObjectSpec(Model):
    """One rigid object.

    ``relative_to``: ``position`` and ``rotation``/``quaternion`` are in that object's frame
    (as it is at t = 0), so a rig moves as one; ``array`` makes copies of the object."""

    name: Annotated[str, Field(min_length=1)]
    shape: Shape
    position: Vec3 = (0.0, 0.0, 0.0)
    rotation: Vec3 | None = None
    quaternion: Vec4 | None = None
    velocity: Vec3 = (0.0, 0.0, 0.0)
    angular_velocity: Vec3 = (0.0, 0.0, 0.0)
    static: bool = False
    mass: PositiveFloat | None = None
    material: str = "plastic"
    density: PositiveFloat | None = None
    friction: NonNegFloat | None = None
    rolling_friction: NonNegFloat | None = None
    spinning_friction: NonNegFloat | None = None
    restitution: Unit | None = None
    color: Color | None = None
    texture: str | None = None
    texture_scale: PositiveFloat | None = None
    roughness: Unit | None = None
    metallic: Unit | None = None
    opacity: Unit | None = None
    class_name: str | None = None
    breakable: BreakableField = None
    kinematic: Kinematic | None = None
    motion: list[MotionClip] = []
    look: list[LookKey] = []
    ragdoll: RagdollSpec | None = None
    attach: Attach | None = None
    relative_to: Annotated[str, Field(min_length=1)] | None = None
    array: ArraySpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _person_material(cls, data: Any) -> Any:
        """People are made of the ``person`` material unless the scene says otherwise."""
        if isinstance(data, dict) and "material" not in data and isinstance(data.get("shape"), dict) \
                and data["shape"].get("type") == "humanoid":
            return {**data, "material": "person"}
        return data

    @model_validator(mode="after")
    def _one_orientation(self) -> ObjectSpec:
        if self.rotation is not None and self.quaternion is not None:
            raise ValueError("give either 'rotation' (degrees, XYZ) or 'quaternion' ([x, y, z, w]), not both")
        if self.quaternion is not None and sum(c * c for c in self.quaternion) < 1e-12:
            raise ValueError("quaternion must not be all zeros; identity is [0, 0, 0, 1]")
        return self


# ---------------------------------------------------------------------------------- cameras
class Camera(Model):
    """A pinhole camera. ``fov`` is the vertical field of view in degrees; ``motion`` a list of
    moves (orbit, dolly, truck, move, pan, tilt, zoom, follow, path, shake) applied in order.

    ``aperture`` (an f-number, e.g. 2.8) turns on depth of field in the colour image: a lens
    of the focal length that gives ``fov`` on a 24 mm high (full-frame) sensor, focused at
    ``focus_distance`` metres (default: the distance to ``look_at``).  Ground truth and
    controls stay sharp."""

    name: Annotated[str, Field(min_length=1)] = "main"
    position: Vec3 = (0.0, -4.0, 1.5)
    look_at: Vec3 | Literal["auto"] = (0.0, 0.0, 0.5)
    fov: Annotated[float, Field(gt=1, lt=170)] = 45.0
    up: Vec3 = (0.0, 0.0, 1.0)
    motion: list[CameraMotion] = []
    aperture: Annotated[float, Field(ge=0.5, le=128, allow_inf_nan=False)] | None = None
    focus_distance: PositiveFloat | None = None

    @model_validator(mode="after")
    def _distinct(self) -> Camera:
        if isinstance(self.look_at, str):  # auto: aimed at what moves (physreel.framing)
            return self
        if sum((a - b) ** 2 for a, b in zip(self.position, self.look_at, strict=True)) < 1e-12:
            raise ValueError(
                f"camera look_at equals its position {list(self.position)}; "
                "point the camera at something else"
            )
        return self


# ----------------------------------------------------------------------------------- lights
class _LightBase(Model):
    color: Color = (1.0, 1.0, 1.0)
    shadows: bool = False


class DirectionalLight(_LightBase):
    """Sunlight along ``direction`` (world, pointing from the light into the scene)."""

    type: Literal["directional"] = "directional"
    direction: Vec3 = (-0.4, 0.5, -1.0)
    intensity: NonNegFloat = 3.0


class PointLight(_LightBase):
    """A point light at ``position``; ``intensity`` in candela."""

    type: Literal["point"] = "point"
    position: Vec3
    intensity: NonNegFloat = 20.0
    range: PositiveFloat | None = None


class SpotLight(_LightBase):
    """A spot light at ``position`` aimed at ``look_at``; cone angles in degrees."""

    type: Literal["spot"] = "spot"
    position: Vec3
    look_at: Vec3 = (0.0, 0.0, 0.0)
    intensity: NonNegFloat = 40.0
    inner_cone: Annotated[float, Field(ge=0, lt=90)] = 15.0
    outer_cone: Annotated[float, Field(gt=0, le=90)] = 30.0
    range: PositiveFloat | None = None


Light = Annotated[DirectionalLight | PointLight | SpotLight, Field(discriminator="type")]


# ---------------------------------------------------------------------------------- ground, physics
#: Floor textures drawn by physreel (anything else is an image file).
GROUND_PATTERNS = ("checker", "plain", "none", "planks", "tiles", "concrete")


class Ground(Model):
    """A static floor at z = 0 (infinite for physics, ``size`` metres square on screen).

    ``texture``: ``checker`` (squares of ``checker_size`` metres), ``plain`` (or ``none``: one
    colour), ``planks`` (wooden floorboards), ``tiles`` (square tiles with grout), ``concrete``
    (cast slabs), or an image file tiled every ``texture_scale`` metres.  The patterns are
    physreel's own, drawn procedurally (no image files).  ``colors``: the two checker colours;
    by default a light and a dark shade of the ground material's colour (a concrete floor is
    grey, a wooden one brown); the other patterns take the first as their base colour.
    ``texture_scale``: metres per repeat of a pattern or image (planks: the board width,
    default 0.2; tiles: 0.6; concrete: the slab, 3; an image: 2)."""

    enabled: bool = True
    material: str = "concrete"
    friction: NonNegFloat | None = None
    restitution: Unit | None = None
    rolling_friction: NonNegFloat | None = None
    spinning_friction: NonNegFloat | None = None
    texture: str = "checker"
    checker_size: PositiveFloat = 0.5
    colors: tuple[Color, Color] | None = None
    size: PositiveFloat = 200.0
    texture_scale: PositiveFloat | None = None


def default_physics_rate(fps: int) -> int:
    """The physics rate of a scene that does not set one: the smallest multiple of ``fps`` that
    is at least 240 Hz (240 at 24, 30, 48 or 60 fps; 250 at 25 fps), so every frame is a whole
    number of steps."""
    return -(-240 // fps) * fps


class Physics(Model):
    """Simulation settings. ``rate`` is the base physics step rate in Hz; it must be a whole
    multiple of the scene's fps so that every frame is an integer number of steps.  Left out,
    it is :func:`default_physics_rate` of the scene's fps.

    ``substeps``: physics steps per base step; ``auto`` chooses them from the scene's sizes and
    speeds so that fast, small or thin things do not pass through each other and narrow
    standing bodies tip at the right push (:mod:`physreel.physics.stepping`).
    ``adaptive_solver``: raise the solver iterations above ``solver_iterations`` while a heavy
    body rests on a much lighter one."""

    rate: Annotated[int, Field(ge=30, le=10000)] = 240
    solver_iterations: Annotated[int, Field(ge=1, le=1000)] = 50
    contact_erp: Annotated[float, Field(gt=0, le=1)] = 0.02
    linear_damping: NonNegFloat = 0.0
    angular_damping: NonNegFloat = 0.0
    sleeping: bool = False
    substeps: Literal["auto"] | Annotated[int, Field(ge=1, le=64)] = "auto"
    adaptive_solver: bool = True


class _Registered:
    """A pass or control name, checked against its registry (:mod:`physreel.passes`) when a
    scene is validated, not when this module is imported: an alias becomes the canonical name
    (``normal`` -> ``normals``), ``all`` stays (the list expands it), anything else is an error
    with "did you mean".  The JSON schema lists every accepted spelling."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def registry(self):
        from ..passes import CONTROLS, PASSES

        return PASSES if self.kind == "pass" else CONTROLS

    def check(self, name: str) -> str:
        reg = self.registry()
        if name == "all":
            return name
        if name not in reg:
            raise ValueError(reg.unknown_message(name))
        return reg.canonical(name)

    def expand(self, names: list[str]) -> list[str]:
        """``all`` -> every name in canonical order; otherwise the names without repeats."""
        return self.registry().names if "all" in names else list(dict.fromkeys(names))

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> dict:
        out = handler(schema)
        out["enum"] = self.registry().spellings()
        return out


_PASS, _CONTROL = _Registered("pass"), _Registered("control")
PassName = Annotated[str, _PASS]
ControlName = Annotated[str, _CONTROL]
PassList = Annotated[list[PassName], AfterValidator(_PASS.expand)]
ControlList = Annotated[list[ControlName], AfterValidator(_CONTROL.expand)]


class Sky(Model):
    """What the camera sees where no surface is, and the light it sheds on the scene.

    ``type``: ``color`` (one flat colour, ``color``, rendered exactly as given), ``gradient``
    (``zenith`` straight up blending into ``horizon``; below the horizon ``ground``),
    ``procedural`` (the gradient with a sun where the key light comes from, ``sun_size``
    degrees across, and its glow) or ``hdri`` (an equirectangular Radiance ``.hdr`` image,
    ``file``, turned ``rotation`` degrees about Z and scaled by ``intensity``, which lights
    the scene too: diffuse irradiance and reflections; with no ``lights`` its sun, if it has
    one, becomes the key light with shadows).  The sky's light reaches every surface (scaled
    by the scene's ``ambient`` for the non-HDR skies), and metals and glass reflect it.
    ``haze``: aerial perspective, the distance in metres at which surfaces have faded 63 % of
    the way into the horizon colour (``auto``: from the floor's size, so its far edge melts
    into the horizon; 0: none)."""

    type: Literal["color", "gradient", "procedural", "hdri"] = "procedural"
    color: Color = (0.62, 0.72, 0.82)
    zenith: Color = (0.42, 0.6, 0.85)
    horizon: Color = (0.84, 0.88, 0.92)
    ground: Color = (0.42, 0.41, 0.39)
    sun: bool = True
    sun_size: Annotated[float, Field(gt=0, le=20, allow_inf_nan=False)] = 1.5
    file: str | None = None
    intensity: PositiveFloat = 1.0
    rotation: Finite = 0.0
    haze: Literal["auto"] | NonNegFloat = "auto"

    @model_validator(mode="after")
    def _hdri_file(self) -> Sky:
        if self.type == "hdri" and not self.file:
            raise ValueError("a sky of type hdri needs 'file': an equirectangular Radiance .hdr image")
        if self.file is not None and self.type != "hdri":
            raise ValueError(f"'file' is for a sky of type hdri; this sky is {self.type!r} (set type: hdri)")
        if self.file is not None and not self.file.lower().endswith(".hdr"):
            raise ValueError(f"sky file must be a Radiance .hdr image (RGBE), got {self.file!r}")
        return self


class RenderSettings(Model):
    """What to render and how.

    ``passes``: ground-truth passes (see the README's output section; aliases such as ``seg``
    and ``all`` are accepted); ``control``: conditioning exports for video models; ``flo``: also write flow as Middlebury .flo files;
    ``tracks``: number of surface points to track; ``quality``: x264 CRF (lower = better);
    ``look``: the rendering tier (``fast``: post-process anti-aliasing and one filtered shadow
    lookup; ``standard``: 4x multisampling, softer shadow filtering and screen-space ambient
    occlusion; ``high``: standard with sharper shadow maps and finer occlusion) -- ground
    truth is the same in every tier; ``storage``: ``compact`` (16-bit PNGs, decoded within the
    bound the manifest states) or ``npy`` (exact float32 arrays, ~40x larger).
    ``exposure``: EV stops of the colour image (+1 twice as bright).  ``motion_blur`` /
    ``shutter``: the colour image is exposed over ``shutter`` frames (0.5 when only
    ``motion_blur`` is set; giving ``shutter`` turns it on), centred on the frame's time, as a
    real camera's; ground truth stays sharp at that centre.  ``shadows``: ``true``, ``false``
    or ``soft`` (penumbrae that widen with the distance from the caster, colour image only).
    """

    passes: PassList = ["rgb"]
    control: ControlList = []
    look: Literal["fast", "standard", "high"] = "fast"
    antialias: bool = True
    shadows: bool | Literal["soft"] = True
    exposure: Annotated[float, Field(ge=-10, le=10, allow_inf_nan=False)] = 0.0
    motion_blur: bool = False
    shutter: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] | None = None
    quality: Annotated[int, Field(ge=0, le=51)] = 18
    flo: bool = False
    tracks: Annotated[int, Field(ge=1, le=100000)] = 1024
    storage: Literal["compact", "npy"] = "compact"

    @model_validator(mode="after")
    def _shutter(self) -> RenderSettings:
        """``shutter`` turns motion blur on; ``motion_blur`` alone opens the shutter half a frame
        (resolved here, so a dumped scene says both)."""
        if self.shutter is not None and not self.motion_blur:
            if "motion_blur" in self.model_fields_set:
                raise ValueError(f"shutter {self.shutter} asks for motion blur but motion_blur is false; "
                                 "remove one of them")
            object.__setattr__(self, "motion_blur", True)
        elif self.motion_blur and self.shutter is None:
            object.__setattr__(self, "shutter", 0.5)
        return self


# ------------------------------------------------------------------------------------ scene
class Scene(Model):
    """A whole scene: what exists, how it moves, how it is filmed."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")] = "scene"
    duration: Annotated[float, Field(gt=0, le=3600)] = 2.0
    fps: Annotated[int, Field(ge=1, le=240)] = 24
    resolution: tuple[Annotated[int, Field(ge=16, le=8192)], Annotated[int, Field(ge=16, le=8192)]] = (640, 480)
    seed: Annotated[int, Field(ge=0)] = 0
    gravity: Vec3 = (0.0, 0.0, -9.81)
    physics: Physics = Physics()
    ground: Ground = Ground()
    background: Color = (0.62, 0.72, 0.82)
    sky: Sky | None = None
    ambient: NonNegFloat = 0.25
    materials: dict[str, MaterialSpec] = {}
    objects: list[ObjectSpec] = []
    cameras: list[Camera] = [Camera()]
    lights: list[Light] | None = None
    render: RenderSettings = RenderSettings()
    joints: list[Joint] = []
    actions: list[Action] = []

    _source: str | None = PrivateAttr(default=None)
    _positions: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _sky_from_background(self) -> Scene:
        """No ``sky``: a flat sky of ``background`` when the scene sets that colour, else the
        procedural default.  Resolved here, so a dumped scene keeps the same sky."""
        if self.sky is None:
            sky = Sky(type="color", color=self.background) if "background" in self.model_fields_set else Sky()
            object.__setattr__(self, "sky", sky)
        return self

    @field_validator("resolution")
    @classmethod
    def _even(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] % 2 or v[1] % 2:
            raise ValueError(
                f"width and height must be even numbers (H.264 with yuv420p needs it), got {list(v)}"
            )
        return v

    @model_validator(mode="after")
    def _rate_for_fps(self) -> Scene:
        """A rate the scene does not set follows its fps (see :func:`default_physics_rate`);
        it stays "not set", so a copy with another fps gets the rate of that fps."""
        if "rate" in self.physics.model_fields_set:
            return self
        rate = default_physics_rate(self.fps)
        if rate != self.physics.rate:
            values = {**self.physics.__dict__, "rate": rate}
            physics = Physics.model_construct(_fields_set=set(self.physics.model_fields_set), **values)
            object.__setattr__(self, "physics", physics)
        return self

    @property
    def source(self) -> str | None:
        """The file this scene was loaded from, if any."""
        return self._source

    def where(self, *loc: str | int) -> str:
        """``"scene.yaml:12: "`` for the line of field ``loc`` (e.g. ``"objects", 3, "shape"``)
        in the file this scene was loaded from; ``"scene.yaml: "`` or ``""`` when unknown."""
        if not self._source:
            return ""
        from .yamlio import position_of

        line, _ = position_of(self._positions or {}, tuple(loc))
        return f"{self._source}:{line}: " if line is not None and self._positions else f"{self._source}: "

    @property
    def num_frames(self) -> int:
        """Number of frames, ``max(1, round(duration * fps))``; frame i shows t = i / fps, so a
        2 s clip at 24 fps has 48 frames and plays for exactly 2 s."""
        return max(1, int(round(self.duration * self.fps)))


def register_shape(model: type[Model]) -> type[Model]:
    """Accept a new shape ``type`` in scene files (a new kind of object's spec).

    ``model`` is an immutable model with a ``type: Literal["name"]`` field; the object and
    scene models are rebuilt so that validation, error messages and ``physreel schema``
    include it.  Pair it with :func:`physreel.assembly.kinds.register_kind`.
    """
    if model not in _SHAPES:
        _SHAPES.append(model)
        field = ObjectSpec.model_fields["shape"]
        field.annotation = Union[tuple(_SHAPES)]  # noqa: UP007
        ObjectSpec.model_rebuild(force=True)
        Scene.model_rebuild(force=True)
    return model
