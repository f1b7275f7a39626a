"""The registries of render passes and conditioning controls.

A pass is everything physreel computes per frame of a camera (``rgb``, ``depth``, ``flow_forward``
...); a control is a conditioning video for a video model made from passes (``depth``, ``edges``
...).  Each is one entry that declares, in one place, its name and aliases, what it needs, how it
is computed, how it is stored, its manifest entry, its preview and its documentation.  The
renderer loop (:func:`physreel.rendering.passes.render_passes`), the camera writer, the manifest,
the reader, the scene schema, the CLI help and the README tables all read these entries.

Adding a pass is one module that calls :func:`register_pass` (see ``passes/depth.py``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..errors import ArgumentError

#: The name that selects every registered pass (or control).
ALL = "all"


@dataclass(frozen=True)
class Needs:
    """What a pass needs to be computed at one frame.

    Attributes
    ----------
    render : names of renderer outputs (:data:`physreel.passes.frame.RENDER_OUTPUTS`): ``"rgb"``
        (the anti-aliased colour image), ``"gt"`` (the exact float32 ground-truth render:
        depth, segmentation and normals without anti-aliasing), ``"motion_next"`` /
        ``"motion_prev"`` (where every pixel's surface point is in the next / previous frame).
    passes : other passes read through ``frame[name]`` (canonical names); they are computed on
        first use, and written only when asked for.
    neighbours : ``"prev"`` and/or ``"next"``: the frame before / after is rendered too and
        offered as ``frame.prev`` / ``frame.next`` (None at the ends of the clip).
    """

    render: tuple[str, ...] = ()
    passes: tuple[str, ...] = ()
    neighbours: tuple[str, ...] = ()


@dataclass(frozen=True)
class Doc:
    """How a pass or control is described to people.

    Attributes
    ----------
    summary : one line (the README's controls table).
    files : the README's "files" column (Markdown).
    convention : the README's "dtype, units, convention" column (Markdown).
    """

    summary: str
    files: str = ""
    convention: str = ""


@dataclass(frozen=True)
class ManifestInfo:
    """What a manifest function may use to describe the files of one pass.

    Attributes
    ----------
    frames, height, width : int
        T, H, W of the clip.
    fps : int
    options : mapping
        Writer options (``frames_png``, ``flo`` ...).
    scale : any
        The pass's clip-wide scale (see :attr:`Pass.scale`), e.g. depth's [near, far] metres.
    value : any
        The pass's clip-level value (see :attr:`Pass.finish`), e.g. the TAP-Vid tracks.
    clip : Clip or None
        The camera's clip (its scene and camera name), for passes whose files depend on
        render settings (the colour image's shutter and lens).
    """

    frames: int
    height: int
    width: int
    fps: int
    options: Mapping[str, Any]
    scale: Any = None
    value: Any = None
    clip: Any = None


@dataclass(frozen=True)
class Pass:
    """One render pass.

    Attributes
    ----------
    name : str
        Canonical name (CLI, API, scene files, manifest, file names).
    compute : ``compute(frame, state) -> value``
        The pass at one frame (:class:`~physreel.passes.frame.Frame`; ``state`` is what
        :attr:`setup` returned, else None).  The value goes into the frame bundle.
    storage : tuple of :class:`~physreel.passes.storage.Storage`
        How it is written, in order of preference for reading back (the first one written is
        what ``read()`` returns).
    manifest : ``manifest(info: ManifestInfo) -> dict | None``
        Its entry in ``manifest.json``: file patterns, dtype, shape, units, range, polarity,
        decode rule, preview (None: no entry).
    doc : Doc
    aliases : other accepted names.
    needs : Needs
    setup : ``setup(clip) -> state``, optional
        Per-camera state created before the first frame (e.g. the sampled track points).
    finish : ``finish(state) -> value``, optional
        Clip-level value after the last frame (e.g. the TAP-Vid arrays), given to the storages.
    scale : ``scale() -> accumulator``, optional
        A clip-wide range: an object with ``update(frame_value)`` and ``result()``, fed every
        frame while writing; its result goes to previews, controls, storages and the manifest.
    preview : ``preview(files) -> iterable of (H, W, 3) uint8 | None``, optional
        Frames of the viewable ``<name>.mp4``, made after the clip from the written files
        (:class:`~physreel.passes.files.ClipFiles`); None: no preview this time.
    """

    name: str
    compute: Callable[[Any, Any], Any]
    storage: tuple = ()
    manifest: Callable[[ManifestInfo], dict | None] = lambda info: None
    doc: Doc = Doc("")
    aliases: tuple[str, ...] = ()
    needs: Needs = Needs()
    setup: Callable[[Any], Any] | None = None
    finish: Callable[[Any], Any] | None = None
    scale: Callable[[], Any] | None = None
    preview: Callable[[Any], Iterable] | None = None


@dataclass(frozen=True)
class Control:
    """One conditioning export, written as ``control/<name>/NNNNN.png`` and ``control/<name>.mp4``.

    Give exactly one of ``frame`` (a pure function of one frame: computed while the frames are
    written, from the frame bundle) or ``clip`` (computed after the last frame from the written
    files, for controls that need a clip-wide range or a clip-level value).

    Attributes
    ----------
    name : str
    needs : passes it is made from (they are rendered and written with it).
    meaning : its ``meaning`` in the manifest.
    doc : Doc
    aliases : other accepted names.
    frame : ``frame(bundle, state) -> (H, W, 3) or (H, W) uint8``, optional
    clip : ``clip(files, state) -> iterable of (H, W, 3) or (H, W) uint8``, optional
    setup : ``setup(clip) -> state``, optional (e.g. a colour table)
    """

    name: str
    needs: tuple[str, ...]
    meaning: str
    doc: Doc = Doc("")
    aliases: tuple[str, ...] = ()
    frame: Callable[[Any, Any], Any] | None = None
    clip: Callable[[Any, Any], Iterable] | None = None
    setup: Callable[[Any], Any] | None = None

    def __post_init__(self) -> None:
        if (self.frame is None) == (self.clip is None):
            raise ValueError(f"control {self.name!r}: give exactly one of frame= or clip=")

    @property
    def storage(self) -> tuple:
        """Lossless PNG frames (read back by ``read_control``), then the MP4."""
        from .storage import PngFrames, Video

        return (PngFrames(f"control/{self.name}"), Video(f"control/{self.name}.mp4"))

    def manifest(self) -> dict:
        """Its entry under ``control`` in ``manifest.json``."""
        frames, video = self.storage
        return {"video": video.pattern, "frames": frames.pattern, "meaning": self.meaning}


E = TypeVar("E", Pass, Control)


@dataclass
class Registry(Generic[E]):
    """Entries by canonical name, in registration order, with aliases.

    Parameters
    ----------
    kind : "pass" or "control" (for messages)
    """

    kind: str
    _entries: dict[str, E] = field(default_factory=dict)
    _aliases: dict[str, str] = field(default_factory=dict)
    #: the other registry, for "'edges' is a control" hints
    other: Registry | None = field(default=None, repr=False, compare=False)

    def add(self, entry: E, *, replace: bool = False) -> E:
        """Register ``entry``; a name or alias already taken raises ValueError unless
        ``replace`` (then the old entry of that name is replaced in place)."""
        taken = {entry.name, *entry.aliases} & (set(self._aliases) | {ALL})
        if taken and not (replace and entry.name in self._entries):
            raise ValueError(f"{self.kind} name(s) {sorted(taken)} already registered")
        if replace and entry.name in self._entries:
            self.remove(entry.name)
        self._entries[entry.name] = entry
        for n in (entry.name, *entry.aliases):
            self._aliases[n] = entry.name
        return entry

    def remove(self, name: str) -> None:
        """Unregister ``name`` (tests register toy entries and remove them again)."""
        entry = self._entries.pop(name)
        for n in (entry.name, *entry.aliases):
            self._aliases.pop(n, None)

    def __getitem__(self, name: str) -> E:
        return self._entries[self.canonical(name)]

    def __contains__(self, name: object) -> bool:
        return name in self._aliases

    def __iter__(self) -> Iterator[E]:
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def names(self) -> list[str]:
        """Canonical names in registration order."""
        return list(self._entries)

    def spellings(self) -> list[str]:
        """Every accepted spelling: canonical names, aliases, then ``all``."""
        return [*self._entries, *(a for a in self._aliases if a not in self._entries), ALL]

    def canonical(self, name: str) -> str:
        """The canonical name of ``name`` (an alias or a canonical name).

        Raises
        ------
        ArgumentError
            Unknown name, with "did you mean" and the valid names.
        """
        try:
            return self._aliases[name]
        except (KeyError, TypeError):
            raise ArgumentError(self.unknown_message(name)) from None

    def unknown_message(self, name: Any) -> str:
        """"unknown pass 'dept' (did you mean 'depth'?); passes are: ..."."""
        msg = f"unknown {self.kind} {name!r}"
        near = difflib.get_close_matches(str(name), list(self._aliases), n=1, cutoff=0.6)
        if near:
            msg += f" (did you mean {near[0]!r}?)"
        elif self.other is not None and name in self.other:
            msg += f" ({name!r} is a {self.other.kind}, not a {self.kind})"
        plural = "passes" if self.kind == "pass" else f"{self.kind}s"
        return f"{msg}; {plural} are: {', '.join(self.names)} (or {ALL})"

    def resolve(self, names: Iterable[str] | str) -> list[str]:
        """Canonical names of ``names`` (aliases and ``all`` accepted), without repeats, in
        registration order.  A string is split at commas.

        Raises
        ------
        ArgumentError
            Every unknown name, each with "did you mean".
        """
        if isinstance(names, str):
            names = [p.strip() for p in names.split(",") if p.strip()]
        wanted, bad = set(), []
        for n in names:
            if n == ALL:
                wanted.update(self._entries)
            elif n in self._aliases:
                wanted.add(self._aliases[n])
            else:
                bad.append(n)
        if bad:
            raise ArgumentError("\n".join(self.unknown_message(b) for b in bad) if len(bad) > 1
                                else self.unknown_message(bad[0]))
        return [n for n in self._entries if n in wanted]


def closure(registry: Registry[Pass], names: Sequence[str]) -> list[str]:
    """``names`` and every pass they need, transitively, in registration order."""
    out: set[str] = set()
    todo = list(names)
    while todo:
        n = todo.pop()
        if n not in out:
            out.add(n)
            todo.extend(registry[n].needs.passes)
    return [n for n in registry.names if n in out]


#: Every render pass, in canonical order (the order of registration).
PASSES: Registry[Pass] = Registry("pass")
#: Every conditioning control, in canonical order.
CONTROLS: Registry[Control] = Registry("control")
PASSES.other, CONTROLS.other = CONTROLS, PASSES


def register_pass(entry: Pass, *, replace: bool = False) -> Pass:
    """Add a pass to :data:`PASSES` (the passes it needs must be registered first).

    Raises
    ------
    ValueError
        A name already taken, or needs that do not exist.
    """
    from .frame import RENDER_OUTPUTS

    bad = [n for n in entry.needs.passes if n not in PASSES.names]  # canonical names only
    bad += [r for r in entry.needs.render if r not in RENDER_OUTPUTS]
    bad += [n for n in entry.needs.neighbours if n not in ("prev", "next")]
    if bad:
        raise ValueError(f"pass {entry.name!r} needs {bad}, which do not exist (passes: {PASSES.names}; "
                         f"renderer outputs: {list(RENDER_OUTPUTS)}; neighbours: prev, next)")
    return PASSES.add(entry, replace=replace)


def register_control(entry: Control, *, replace: bool = False) -> Control:
    """Add a control to :data:`CONTROLS` (the passes it needs must be registered first)."""
    bad = [n for n in entry.needs if n not in PASSES.names]
    if bad:
        raise ValueError(f"control {entry.name!r} needs passes {bad}, which do not exist (passes: {PASSES.names})")
    return CONTROLS.add(entry, replace=replace)
