"""The stylizer protocol and the registry of stylizers by name.

A **stylizer** is any callable ``stylizer(bundle) -> (H, W, 3) uint8``.  ``bundle`` is a
:class:`~physreel.rendering.stream.FrameBundle`: ``bundle["rgb"]`` and the other passes it asks
for by name, ``bundle.view`` (the camera: ``K``, ``world_to_camera``), ``bundle.frame`` and
``bundle.time`` (seconds).  Optional attributes:

- ``name`` (str): names the output ``<camera>/stylized/<name>.mp4`` (default ``__name__``);
- ``needs`` (sequence of pass names): passes put into the bundle (default ``("rgb",)``);
- ``prepare(frames)``: called once per camera before the first frame with the
  :class:`~physreel.stylization.source.RenderFrames` being stylised (metadata, object colours...).

Stylizers are registered by name.  Third-party packages register theirs through the entry point
group ``physreel.stylizers``; an entry point names a :class:`StylizerEntry`, a class (its
instances are stylizers; CLI ``--option key=value`` pairs are passed to it) or a stylizer::

    [project.entry-points."physreel.stylizers"]
    watercolor = "my_package.styles:Watercolor"
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import ArgumentError, InputError

ENTRY_POINT_GROUP = "physreel.stylizers"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@runtime_checkable
class Stylizer(Protocol):
    """``stylizer(bundle) -> (H, W, 3) uint8`` (see the module docstring)."""

    def __call__(self, bundle: Any) -> np.ndarray: ...


@dataclass(frozen=True)
class StylizerEntry:
    """A registered stylizer.

    Attributes
    ----------
    name : str
        Registry name (``--style NAME``); also names the output file.
    target : str or callable
        ``"module:attribute"`` (imported when first used) or the object itself: a class or
        factory called with the options, returning a stylizer.
    needs : tuple of str
        Passes the stylizer reads (the CLI checks them before starting).
    summary : str
        One line for ``physreel stylize --help``.
    aliases : tuple of str
    extra : str or None
        The pip extra it needs (``physreel[opencv]``), for the error when it is missing.
    """

    name: str
    target: str | Callable[..., Any]
    needs: tuple[str, ...] = ("rgb",)
    summary: str = ""
    aliases: tuple[str, ...] = ()
    extra: str | None = None

    def create(self, **options: Any) -> Callable:
        """A new stylizer with ``options``."""
        factory = self.target
        if isinstance(factory, str):
            module, _, attr = factory.partition(":")
            factory = getattr(import_module(module), attr)
        try:
            made = factory(**options)
        except TypeError as e:
            raise ArgumentError(f"stylizer {self.name!r}: bad options {options}: {e}") from None
        if getattr(made, "name", None) is None:
            try:
                made.name = self.name
            except AttributeError:
                pass
        return made


_REGISTRY: dict[str, StylizerEntry] = {}
_ALIASES: dict[str, str] = {}
_entry_points_loaded = False


def register(entry: StylizerEntry) -> StylizerEntry:
    """Add a stylizer to the registry (a later registration of the same name replaces it)."""
    if not _NAME.fullmatch(entry.name):
        raise ArgumentError(f"stylizer name {entry.name!r}: use letters, digits, '_', '.', '-'")
    _REGISTRY[entry.name] = entry
    for a in entry.aliases:
        _ALIASES[a] = entry.name
    return entry


_BUILTIN = (
    StylizerEntry("toon", "physreel.stylization.toon:Toon", ("rgb", "segmentation", "normals", "depth"),
                  "cel shading: flat colour per object, light bands from the normals, geometric outlines",
                  aliases=("cel",)),
    StylizerEntry("lineart", "physreel.stylization.lineart:LineArt", ("segmentation", "depth", "normals"),
                  "black geometric lines on white: silhouettes, depth jumps and creases",
                  aliases=("lines",)),
    StylizerEntry("cv-stylize", "physreel.stylization.opencv:CvStylization", ("rgb",),
                  "OpenCV's edge-aware painterly filter (cv2.stylization)", extra="opencv"),
    StylizerEntry("cv-pencil", "physreel.stylization.opencv:CvPencil", ("rgb",),
                  "OpenCV's pencil sketch (cv2.pencilSketch)", extra="opencv"),
    StylizerEntry("cv-smooth", "physreel.stylization.opencv:CvSmooth", ("rgb",),
                  "OpenCV's edge-preserving smoothing (cv2.edgePreservingFilter)", extra="opencv"),
    StylizerEntry("onnx", "physreel.stylization.onnx:OnnxStyle", ("rgb",),
                  "a fast-neural-style ONNX network you supply: --option model=PATH.onnx", extra="onnx"),
)
for _e in _BUILTIN:
    register(_e)


def _load_entry_points() -> None:
    """Register the stylizers of installed third-party packages (once)."""
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _REGISTRY:
            continue  # built-ins and explicit registrations win
        register(StylizerEntry(ep.name, _EntryPointTarget(ep.value, ep.name),
                               summary=f"from {ep.value}"))


class _EntryPointTarget:
    """Loads an entry point when first used and turns what it names into a factory."""

    def __init__(self, value: str, name: str):
        self.value, self.name = value, name

    def __call__(self, **options: Any) -> Callable:
        module, _, attr = self.value.partition(":")
        obj = import_module(module)
        for part in attr.split(".") if attr else []:
            obj = getattr(obj, part)
        if isinstance(obj, StylizerEntry):
            return obj.create(**options)
        if isinstance(obj, type):
            return obj(**options)
        if options:
            raise ArgumentError(f"stylizer {self.name!r} ({self.value}) is a plain callable and takes "
                                f"no options; got {', '.join(options)}")
        return obj


def entries() -> dict[str, StylizerEntry]:
    """Every registered stylizer by name (built-ins and installed entry points)."""
    _load_entry_points()
    return dict(_REGISTRY)


def lookup(name: str) -> StylizerEntry:
    """The entry registered as ``name`` (or an alias); a clear error with suggestions if none."""
    _load_entry_points()
    name = _ALIASES.get(name, name)
    if name in _REGISTRY:
        return _REGISTRY[name]
    import difflib

    close = difflib.get_close_matches(name, list(_REGISTRY) + list(_ALIASES), 1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ArgumentError(f"unknown style {name!r}{hint}; styles are: {', '.join(sorted(_REGISTRY))}, "
                        "or module:callable for your own")


def resolve(style: str | Callable, **options: Any) -> Callable:
    """A stylizer from a registered name, ``"module:callable"`` or a callable (returned as is)."""
    if callable(style):
        if options:
            raise ArgumentError("options are for registered stylizers; configure your callable yourself")
        return style
    if not isinstance(style, str) or not style:
        raise ArgumentError(f"style must be a name or a callable, got {style!r}")
    if ":" in style:
        return _EntryPointTarget(style, style.rpartition(":")[2])(**options)
    return lookup(style).create(**options)


def stylizer_name(stylizer: Callable) -> str:
    """The output name of a stylizer: its ``name`` attribute, else ``__name__``."""
    name = getattr(stylizer, "name", None) or getattr(stylizer, "__name__", None) \
        or type(stylizer).__name__.lower()
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ArgumentError(f"stylizer name {name!r} cannot name a file; give the stylizer a `name` "
                            "attribute of letters, digits, '_', '.', '-'")
    return name


def stylizer_needs(stylizer: Callable) -> tuple[str, ...]:
    """The passes a stylizer reads (its ``needs`` attribute, default ``("rgb",)``)."""
    needs = getattr(stylizer, "needs", ("rgb",))
    if isinstance(needs, str) or not isinstance(needs, Sequence | set | frozenset):
        raise InputError(f"stylizer {stylizer_name(stylizer)!r}: `needs` must be a list of pass names, "
                         f"got {needs!r}")
    return tuple(needs)


def check_output(image: Any, h: int, w: int, name: str, frame: int) -> np.ndarray:
    """A stylizer's result as (H, W, 3) uint8, or a clear error naming the stylizer."""
    img = np.asarray(image)
    if img.shape != (h, w, 3) or img.dtype != np.uint8:
        raise InputError(f"stylizer {name!r} returned {img.dtype} {img.shape} for frame {frame}; "
                         f"a stylizer must return an ({h}, {w}, 3) uint8 image")
    return img
