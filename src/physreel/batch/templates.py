"""Batch templates: scene files in which values may be random.

A template is an ordinary scene file (YAML) in which any value may be replaced by a
*distribution*.  Sample ``k`` of a batch with root seed ``S`` resolves every distribution with
the generator ``numpy.random.default_rng(numpy.random.SeedSequence([S, k]))`` (attempt ``a > 0``
of the same sample, used when a clip is rejected by the quality filters, uses
``SeedSequence([S, k, a])``), so a sample depends only on the root seed and its index: the same
root seed gives the same dataset whatever the number of workers or the order they run in.  The
resolved scene's own ``seed`` (used by the physics) is the first number drawn from that
generator; a ``seed`` written in the template is replaced.

Distributions
-------------
``{uniform: [a, b]}``
    A float uniformly in ``[a, b)``.  Vectors: ``{uniform: [[x0, y0, z0], [x1, y1, z1]]}``
    draws each component in its own range.
``{loguniform: [a, b]}``
    A float whose logarithm is uniform (``0 < a <= b``); good for masses and sizes.
``{normal: [mean, std], clip: [lo, hi]}``
    A Gaussian float, optionally clipped.  Vectors: ``[[means], [stds]]`` (and vector clips).
``{randint: [a, b]}``
    An integer in ``[a, b]``, both ends included.
``{choice: [v0, v1, ...], weights: [w0, w1, ...]}``
    One of the values (weights optional, need not sum to 1).  A chosen value may itself contain
    distributions: ``{choice: [{type: sphere, radius: {uniform: [0.05, 0.1]}}, ...]}``.
``{hue: [h0, h1], saturation: s, value: v}``
    A colour ``"#rrggbb"`` with hue uniform in ``[h0, h1]`` degrees (``h1`` may exceed 360 to
    wrap through red, e.g. ``[330, 390]``); ``saturation`` and ``value`` are numbers or
    ``[lo, hi]`` ranges in ``[0, 1]`` (defaults ``[0.6, 1.0]`` and ``[0.7, 1.0]``).
``{glob: "../assets/*.glb"}``
    One of the files matching the pattern (relative to the template's folder, sorted), as an
    absolute path.
``{orbit: {distance: [a, b], elevation: [e0, e1], azimuth: [a0, a1], target: [x, y, z]}}``
    A point ``[x, y, z]`` on a sphere around ``target`` (default the origin): distance in
    metres, elevation above the horizontal and azimuth from +X in degrees; each entry a number
    or a ``[lo, hi]`` range.  Meant for camera positions.

Per-component distributions also work, since every value is resolved recursively:
``position: [{uniform: [-1, 1]}, {uniform: [-1, 1]}, 2.0]``.

Random object lists
-------------------
A list (``objects``, ``lights``, ...) may contain *repeat blocks* next to fixed items::

    objects:
      - {name: table, shape: {type: box, size: [2, 2, 0.1]}, position: [0, 0, 0.05], static: true}
      - count: {randint: [3, 10]}        # how many objects this block makes
        names: "obj_{i}"                 # {i}: running index over all blocks of this list
        pool:                            # each object is drawn from the pool ...
          - weight: 2                    # ... with these relative weights (default 1)
            object: {shape: {type: sphere, radius: {uniform: [0.05, 0.15]}}, ...}
          - {shape: {type: box, size: ...}, ...}   # a bare object template has weight 1

A list given directly as one repeat block (``objects: {count: ..., pool: [...]}``) is accepted
too.  An object template may give its own ``name`` (``"ball_{i}"``); otherwise ``names`` is used.

Placement
---------
After resolution, objects whose ``position`` is random are placed in list order so that they
do not interpenetrate anything placed before them (bounding boxes oriented with the object,
exact spheres for sphere pairs) nor the ground plane ``z = 0``.  An overlapping object's
position is drawn again, up to ``max_tries`` times; then :class:`PlacementError` names the
template and the object.  Objects with fixed positions are never moved or checked against each
other (stacks and domino rows touch on purpose).

The ``template`` section
------------------------
An optional top-level ``template:`` mapping configures the batch and is removed from the
resolved scene::

    template:
      description: "MOVi-like: 3-10 objects thrown onto a floor"   # shown in the dataset card
      interest: ["obj_*"]          # objects the visibility filter checks (fnmatch patterns;
                                   # default: every non-static object)
      placement: {max_tries: 200, margin: 0.002}   # margin in metres between random objects
      vars:                        # values drawn once per sample, before everything else,
        row_color: {hue: [0, 360]} # and used anywhere as {var: row_color}

A ``{var: name}`` value is replaced by the variable's value, so several objects can share one
random colour, material or size.
"""

from __future__ import annotations

import colorsys
import copy
import fnmatch
import glob as globmod
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from physreel.errors import PhysreelError, Problem, SceneError

__all__ = [
    "DISTRIBUTIONS",
    "PlacementError",
    "Template",
    "check_template",
    "is_template",
    "load_template",
    "resolve_template",
    "sample_rng",
    "sample_scene",
    "sample_seed_sequence",
    "validate_template",
    "validate_template_file",
]

# distribution keyword -> modifier keys allowed next to it
DISTRIBUTIONS: dict[str, frozenset[str]] = {
    "uniform": frozenset(),
    "loguniform": frozenset(),
    "normal": frozenset({"clip"}),
    "randint": frozenset(),
    "choice": frozenset({"weights"}),
    "hue": frozenset({"saturation", "value"}),
    "glob": frozenset(),
    "orbit": frozenset(),
    "var": frozenset(),
}
_BLOCK_KEYS = frozenset({"count", "pool", "names"})
_TEMPLATE_KEYS = frozenset({"description", "interest", "placement", "vars"})
_PLACEMENT_KEYS = frozenset({"max_tries", "margin"})
_ORBIT_KEYS = frozenset({"distance", "elevation", "azimuth", "target"})
_DEFAULT_NAMES = "obj_{i}"
_VALIDATION_SEED = 0


class PlacementError(SceneError):
    """Random objects could not be placed without interpenetration within the allowed tries."""


@dataclass(frozen=True)
class Template:
    """A loaded batch template.

    Attributes
    ----------
    data : dict
        The template document (may contain distributions); never mutated.
    source : str
        Where it came from (file path), used in error messages.
    base_dir : Path
        Folder that relative paths (meshes, globs) are resolved against.
    settings : dict
        The ``template:`` section (``description``, ``interest``, ``placement``), or ``{}``.
    """

    data: dict[str, Any]
    source: str
    base_dir: Path
    settings: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# loading


def load_template(path: str | Path) -> Template:
    """Read a template file (YAML or JSON).

    Raises
    ------
    SceneError
        The file is not valid YAML or not a mapping (with the line of the syntax error).
    InputError
        The file cannot be read.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    from physreel.errors import InputError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read template {path}: {exc.strerror or exc}") from exc
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise SceneError(
            str(path), [Problem("", f"not valid YAML: {exc.problem}", line=line)]
        ) from exc
    if not isinstance(data, Mapping):
        raise SceneError(
            str(path),
            [Problem("", f"expected a mapping at the top level, got {type(data).__name__}")],
        )
    return template_from_data(data, source=str(path), base_dir=path.parent)


def template_from_data(data: Mapping[str, Any], *, source: str, base_dir: Path) -> Template:
    """Wrap an already parsed template document (checked later by :func:`check_template`)."""
    settings = data.get("template") or {}
    return Template(
        data=data,  # type: ignore[arg-type]
        source=source,
        base_dir=Path(base_dir).resolve(),
        settings=_plain(settings) if isinstance(settings, Mapping) else {},
    )


# --------------------------------------------------------------------------------------------
# seeds


def sample_seed_sequence(root_seed: int, k: int, attempt: int = 0) -> np.random.SeedSequence:
    """The seed sequence of attempt ``attempt`` of sample ``k``.

    ``SeedSequence([root_seed, k])`` for the first attempt, ``SeedSequence([root_seed, k,
    attempt])`` for later ones (used after a quality-filter rejection).
    """
    if root_seed < 0 or k < 0 or attempt < 0:
        raise ValueError(
            f"seeds and indices must be >= 0, got root={root_seed} k={k} attempt={attempt}"
        )
    entropy = [int(root_seed), int(k)] if attempt == 0 else [int(root_seed), int(k), int(attempt)]
    return np.random.SeedSequence(entropy)


def sample_rng(root_seed: int, k: int, attempt: int = 0) -> np.random.Generator:
    """The generator that resolves attempt ``attempt`` of sample ``k``."""
    return np.random.default_rng(sample_seed_sequence(root_seed, k, attempt))


def sample_scene(template: Template, root_seed: int, k: int, attempt: int = 0) -> dict[str, Any]:
    """Resolve sample ``k`` (attempt ``attempt``) of a template into a plain scene dict.

    Returns
    -------
    dict
        JSON-compatible scene (no distributions, no ``template`` section) with ``seed`` set.

    Raises
    ------
    SceneError
        A distribution cannot be resolved (e.g. a glob matches no file).
    PlacementError
        Random objects could not be placed without overlap.
    """
    return resolve_template(template, sample_rng(root_seed, k, attempt))


def resolve_template(template: Template, rng: np.random.Generator) -> dict[str, Any]:
    """Resolve every distribution of ``template`` with ``rng`` and place random objects.

    The first draw is the scene seed; then values are resolved in document order.
    """
    scene_seed = int(rng.integers(0, 2**31 - 1))
    resolver = _Resolver(template, rng)
    for name, spec in (template.data.get("template", {}) or {}).get("vars", {}).items():
        resolver.vars[str(name)] = resolver.value(spec, f"template.vars.{name}")
    data = {k: v for k, v in template.data.items() if k != "template"}
    out: dict[str, Any] = {}
    position_templates: list[Any] = []
    for key, value in data.items():
        if key == "seed":
            out[key] = scene_seed  # keeps the template's key order
            continue
        if key == "objects":
            out[key], position_templates = resolver.objects(value, "objects")
        else:
            out[key] = resolver.value(value, key)
    out.setdefault("seed", scene_seed)
    if resolver.problems:
        raise SceneError(template.source, resolver.problems)
    if "objects" in out:
        _place(template, out["objects"], position_templates, resolver, out.get("ground"))
    return out


# --------------------------------------------------------------------------------------------
# recognising template constructs


def _dist_kind(value: Any) -> str | None:
    """The distribution keyword of ``value`` if it is a distribution mapping, else None."""
    if not isinstance(value, Mapping):
        return None
    kinds = [k for k in value if k in DISTRIBUTIONS]
    return kinds[0] if kinds else None


def _is_block(value: Any) -> bool:
    return isinstance(value, Mapping) and "pool" in value and set(value) <= _BLOCK_KEYS


def is_template(data: Any) -> bool:
    """Whether a document uses any template feature (distribution, repeat block, ``template``
    section).  A plain scene is also a valid template that resolves to itself.

    Parameters
    ----------
    data : parsed document, or a path (``os.PathLike``) to a YAML/JSON file
        A file that cannot be read or parsed is not a template (the scene loader reports it).
    """
    if isinstance(data, os.PathLike):
        try:
            data = load_template(data).data
        except PhysreelError:
            return False
    if isinstance(data, Mapping):
        if "template" in data:
            return True
        if _dist_kind(data) is not None or _is_block(data):
            return True
        return any(is_template(v) for v in data.values())
    if isinstance(data, list):
        return any(is_template(v) for v in data)
    return False


# --------------------------------------------------------------------------------------------
# static checks


def check_template(data: Mapping[str, Any], *, base_dir: Path | None = None) -> list[Problem]:
    """Check the syntax of every distribution, repeat block and the ``template`` section.

    Every branch is checked (all choices, all pool entries), not only the ones a seed picks.

    Returns
    -------
    list of Problem
        Empty when the template is well formed.
    """
    checker = _Checker(Path(base_dir) if base_dir is not None else Path.cwd())
    settings = data.get("template")
    if isinstance(settings, Mapping) and isinstance(settings.get("vars"), Mapping):
        checker.var_names = {str(k) for k in settings["vars"]}
    for key, value in data.items():
        if key == "template":
            checker.settings(value, data, key)
        else:
            checker.value(value, key, data, key)
    return checker.problems


def validate_template(
    data: Mapping[str, Any],
    source: str,
    *,
    base_dir: Path | None = None,
    positions: Mapping[tuple, tuple[int, int]] | None = None,
) -> list[Problem]:
    """Check a template: distribution syntax, then one resolution validated as a scene.

    The template is resolved once with a fixed seed and the result is passed to
    ``physreel.scene.load_scene_data``; its problems are reported with the resolved paths.

    Parameters
    ----------
    data : mapping
        The parsed template (a ruamel mapping gives line numbers).
    source : str
        File name used in messages.
    base_dir : Path, optional
        Folder for relative paths; defaults to the folder of ``source``.
    positions : dict, optional
        ``{(key, index, ...): (line, column)}`` as returned by ``physreel.scene.yamlio.parse``;
        gives line numbers when ``data`` is plain (not a ruamel document).

    Returns
    -------
    list of Problem
        Empty when the template is valid.
    """
    base = Path(base_dir) if base_dir is not None else Path(source).resolve().parent
    problems = check_template(data, base_dir=base)
    if problems:
        return [_with_position(p, positions) for p in problems] if positions else problems
    template = template_from_data(data, source=source, base_dir=base)
    try:
        scene = resolve_template(template, sample_rng(_VALIDATION_SEED, 0))
    except SceneError as exc:
        return list(exc.problems)
    try:
        from physreel.scene import load_scene_data
    except ImportError:  # the core is not installed: only the template syntax is checked
        return []
    try:
        load_scene_data(scene, source=source, base_dir=base)
    except SceneError as exc:
        return [
            Problem(p.path, f"{p.message} (in the scene resolved with seed {_VALIDATION_SEED})")
            for p in exc.problems
        ]
    return []


def _loc(path: str) -> tuple:
    """``objects.pool[0].object`` -> ``("objects", "pool", 0, "object")``."""
    out: list[Any] = []
    for part in path.split("."):
        name, *indices = part.split("[")
        if name:
            out.append(name)
        out.extend(int(i.rstrip("]")) for i in indices if i.rstrip("]").isdigit())
    return tuple(out)


def _with_position(problem: Problem, positions: Mapping[tuple, tuple[int, int]]) -> Problem:
    if problem.line is not None:
        return problem
    loc = _loc(problem.path)
    while loc:
        if loc in positions:
            line, col = positions[loc]
            return Problem(problem.path, problem.message, line=line, column=col)
        loc = loc[:-1]
    return problem


def validate_template_file(path: str | Path) -> Template:
    """Load and validate a template file (used by ``physreel validate``).

    Returns
    -------
    Template

    Raises
    ------
    SceneError
        Every problem of the template (syntax and the resolved scene), with lines.
    """
    template = load_template(path)
    problems = validate_template(template.data, str(path), base_dir=template.base_dir)
    if problems:
        raise SceneError(str(path), problems)
    return template


def _line(container: Any, key: Any) -> int | None:
    """1-based line of ``container[key]`` when the document came from ruamel, else None."""
    lc = getattr(container, "lc", None)
    if lc is None:
        return None
    try:
        pos = lc.key(key) if isinstance(container, Mapping) else lc.item(key)
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return pos[0] + 1 if pos else None


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(float(x))


def _is_vector(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(_is_number(v) for v in x)


def _is_range(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and len(x) == 2 and all(_is_number(v) for v in x)


class _Checker:
    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.problems: list[Problem] = []
        self.var_names: set[str] = set()

    def add(self, path: str, message: str, container: Any, key: Any) -> None:
        self.problems.append(Problem(path, message, line=_line(container, key)))

    def value(self, value: Any, path: str, container: Any, key: Any) -> None:
        kind = _dist_kind(value)
        if kind is not None:
            self.dist(kind, value, path, container, key)
        elif _is_block(value):
            self.block(value, path, container, key)
        elif isinstance(value, Mapping):
            if "pool" in value:
                extra = sorted(set(value) - _BLOCK_KEYS)
                self.add(
                    path,
                    f"a repeat block takes only count, pool and names; unexpected {extra}",
                    container,
                    key,
                )
            for k, v in value.items():
                self.value(v, f"{path}.{k}" if path else str(k), value, k)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.value(v, f"{path}[{i}]", value, i)

    def dist(self, kind: str, d: Mapping, path: str, container: Any, key: Any) -> None:
        others = [k for k in d if k in DISTRIBUTIONS and k != kind]
        if others:
            self.add(
                path,
                f"one distribution per value, got both '{kind}' and '{others[0]}'",
                container,
                key,
            )
            return
        extra = sorted(set(d) - {kind} - DISTRIBUTIONS[kind])
        if extra:
            allowed = ", ".join(sorted(DISTRIBUTIONS[kind])) or "nothing else"
            self.add(
                path,
                f"unexpected key(s) {extra} in a '{kind}' distribution (allowed: {allowed})",
                container,
                key,
            )
        arg = d[kind]
        here = f"{path}.{kind}"
        getattr(self, f"_{kind}")(arg, d, here, d, kind)

    def _bounds(self, arg: Any, path: str, c: Any, k: Any, what: str, positive=False) -> None:
        ok_scalar = _is_range(arg)
        ok_vector = (
            isinstance(arg, (list, tuple))
            and len(arg) == 2
            and _is_vector(arg[0])
            and _is_vector(arg[1])
            and len(arg[0]) == len(arg[1])
        )
        if not (ok_scalar or ok_vector):
            self.add(
                path,
                f"{what} expects [low, high] numbers or [[low...], [high...]] vectors of equal "
                f"length, got {_plain(arg)!r}",
                c,
                k,
            )
            return
        lo = np.atleast_1d(np.asarray(arg[0], dtype=float))
        hi = np.atleast_1d(np.asarray(arg[1], dtype=float))
        if np.any(lo > hi):
            self.add(path, f"{what} needs low <= high, got {_plain(arg)!r}; swap them", c, k)
        if positive and np.any(lo <= 0):
            self.add(path, f"{what} needs 0 < low, got {_plain(arg)!r}", c, k)

    def _uniform(self, arg, d, path, c, k) -> None:
        self._bounds(arg, path, c, k, "uniform")

    def _loguniform(self, arg, d, path, c, k) -> None:
        self._bounds(arg, path, c, k, "loguniform", positive=True)

    def _normal(self, arg, d, path, c, k) -> None:
        ok = isinstance(arg, (list, tuple)) and len(arg) == 2
        ok = ok and (_is_range(arg) or (_is_vector(arg[0]) and _is_vector(arg[1])))
        if ok and not _is_range(arg) and len(arg[0]) != len(arg[1]):
            ok = False
        if not ok:
            self.add(path, f"normal expects [mean, std] or [[means], [stds]], got {arg!r}", c, k)
            return
        if np.any(np.asarray(arg[1], dtype=float) < 0):
            self.add(path, f"normal needs std >= 0, got {_plain(arg)!r}", c, k)
        if "clip" in d:
            self._bounds(d["clip"], path.rsplit(".", 1)[0] + ".clip", d, "clip", "clip")

    def _randint(self, arg, d, path, c, k) -> None:
        ints = isinstance(arg, (list, tuple)) and len(arg) == 2
        ints = ints and all(isinstance(v, int) and not isinstance(v, bool) for v in arg)
        if not ints:
            self.add(path, f"randint expects [low, high] integers (inclusive), got {arg!r}", c, k)
        elif arg[0] > arg[1]:
            self.add(path, f"randint needs low <= high, got {_plain(arg)!r}", c, k)

    def _choice(self, arg, d, path, c, k) -> None:
        if not isinstance(arg, list) or not arg:
            self.add(path, f"choice expects a non-empty list of values, got {arg!r}", c, k)
            return
        for i, v in enumerate(arg):
            self.value(v, f"{path}[{i}]", arg, i)
        if "weights" in d:
            w = d["weights"]
            wpath = path.rsplit(".", 1)[0] + ".weights"
            if not _is_vector(w) or len(w) != len(arg):
                self.add(
                    wpath,
                    f"weights must be {len(arg)} numbers (one per choice), got {_plain(w)!r}",
                    d,
                    "weights",
                )
            elif min(w) < 0 or sum(w) <= 0:
                self.add(
                    wpath, f"weights must be >= 0 with a positive sum, got {w!r}", d, "weights"
                )

    def _hue(self, arg, d, path, c, k) -> None:
        self._bounds(arg, path, c, k, "hue (degrees)")
        for mod in ("saturation", "value"):
            if mod in d:
                v = d[mod]
                ok = (_is_number(v) and 0 <= v <= 1) or (_is_range(v) and 0 <= v[0] <= v[1] <= 1)
                if not ok:
                    self.add(
                        path.rsplit(".", 1)[0] + f".{mod}",
                        f"{mod} must be a number or [low, high] within [0, 1], got {v!r}",
                        d,
                        mod,
                    )

    def _glob(self, arg, d, path, c, k) -> None:
        if not isinstance(arg, str) or not arg:
            self.add(path, f"glob expects a file pattern string, got {arg!r}", c, k)
            return
        if not _glob_files(arg, self.base_dir):
            self.add(
                path,
                f"glob '{arg}' matches no file (relative to {self.base_dir}); "
                "check the pattern and the folder",
                c,
                k,
            )

    def _var(self, arg, d, path, c, k) -> None:
        if arg not in self.var_names:
            known = ", ".join(sorted(self.var_names)) or "none defined"
            self.add(
                path,
                f"unknown variable {arg!r}; define it under template.vars (known: {known})",
                c,
                k,
            )

    def _orbit(self, arg, d, path, c, k) -> None:
        if not isinstance(arg, Mapping):
            self.add(path, f"orbit expects a mapping {sorted(_ORBIT_KEYS)}, got {arg!r}", c, k)
            return
        extra = sorted(set(arg) - _ORBIT_KEYS)
        if extra:
            self.add(
                path, f"unexpected key(s) {extra} in orbit; allowed {sorted(_ORBIT_KEYS)}", c, k
            )
        if "distance" not in arg:
            self.add(path, "orbit needs 'distance' (metres, a number or [low, high])", c, k)
        for key in ("distance", "elevation", "azimuth"):
            if key in arg and not (_is_number(arg[key]) or _is_range(arg[key])):
                self.add(
                    f"{path}.{key}", f"expected a number or [low, high], got {arg[key]!r}", arg, key
                )
            elif key in arg and _is_range(arg[key]) and arg[key][0] > arg[key][1]:
                self.add(f"{path}.{key}", f"needs low <= high, got {_plain(arg[key])!r}", arg, key)
        if "target" in arg and not (_is_vector(arg["target"]) and len(arg["target"]) == 3):
            self.add(f"{path}.target", f"expected [x, y, z], got {arg['target']!r}", arg, "target")

    def block(self, b: Mapping, path: str, container: Any, key: Any) -> None:
        count = b.get("count", 1)
        if _dist_kind(count) is not None:
            self.value(count, f"{path}.count", b, "count")
        elif not (isinstance(count, int) and not isinstance(count, bool) and count >= 0):
            self.add(
                f"{path}.count",
                f"count must be an integer >= 0 or a distribution, got {count!r}",
                b,
                "count",
            )
        names = b.get("names", _DEFAULT_NAMES)
        if not isinstance(names, str) or not _format_ok(names):
            self.add(
                f"{path}.names",
                f"names must be a string pattern using {{i}}, e.g. 'obj_{{i}}', got {names!r}",
                b,
                "names",
            )
        pool = b["pool"]
        if not isinstance(pool, list) or not pool:
            self.add(f"{path}.pool", "pool must be a non-empty list of object templates", b, "pool")
            return
        for i, entry in enumerate(pool):
            epath = f"{path}.pool[{i}]"
            if (
                isinstance(entry, Mapping)
                and "object" in entry
                and set(entry) <= {"object", "weight"}
            ):
                w = entry.get("weight", 1)
                if not (_is_number(w) and w >= 0):
                    self.add(
                        f"{epath}.weight",
                        f"weight must be a number >= 0, got {w!r}",
                        entry,
                        "weight",
                    )
                self.value(entry["object"], f"{epath}.object", entry, "object")
            elif isinstance(entry, Mapping):
                self.value(entry, epath, pool, i)
            else:
                self.add(
                    epath,
                    f"a pool entry must be a mapping (an object template), got {entry!r}",
                    pool,
                    i,
                )

    def settings(self, s: Any, container: Any, key: Any) -> None:
        if not isinstance(s, Mapping):
            self.add(
                "template",
                f"expected a mapping {sorted(_TEMPLATE_KEYS)}, got {s!r}",
                container,
                key,
            )
            return
        extra = sorted(set(s) - _TEMPLATE_KEYS)
        if extra:
            self.add(
                "template",
                f"unexpected key(s) {extra}; allowed {sorted(_TEMPLATE_KEYS)}",
                container,
                key,
            )
        interest = s.get("interest", [])
        if not (isinstance(interest, list) and all(isinstance(x, str) for x in interest)):
            self.add(
                "template.interest",
                f"expected a list of name patterns, got {interest!r}",
                s,
                "interest",
            )
        variables = s.get("vars", {})
        if not isinstance(variables, Mapping):
            self.add(
                "template.vars", f"expected a mapping name: value, got {variables!r}", s, "vars"
            )
        else:
            for name, spec in variables.items():
                self.value(spec, f"template.vars.{name}", variables, name)
        placement = s.get("placement", {})
        if not isinstance(placement, Mapping) or set(placement) - _PLACEMENT_KEYS:
            self.add(
                "template.placement",
                f"expected a mapping with {sorted(_PLACEMENT_KEYS)}, got {_plain(placement)!r}",
                s,
                "placement",
            )
        else:
            mt = placement.get("max_tries", 100)
            if not (isinstance(mt, int) and mt >= 1):
                self.add(
                    "template.placement.max_tries",
                    f"expected an integer >= 1, got {mt!r}",
                    placement,
                    "max_tries",
                )
            mg = placement.get("margin", 0.0)
            if not (_is_number(mg) and mg >= 0):
                self.add(
                    "template.placement.margin",
                    f"expected metres >= 0, got {mg!r}",
                    placement,
                    "margin",
                )


def _format_ok(pattern: str) -> bool:
    try:
        pattern.format(i=0)
    except (KeyError, IndexError, ValueError):
        return False
    return True


def _glob_files(pattern: str, base_dir: Path) -> list[str]:
    full = pattern if Path(pattern).is_absolute() else str(base_dir / pattern)
    return sorted(str(Path(p).resolve()) for p in globmod.glob(full) if Path(p).is_file())


# --------------------------------------------------------------------------------------------
# resolution


def _plain(value: Any) -> Any:
    """Convert ruamel containers and scalars into plain Python (JSON-compatible) values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


class _Resolver:
    def __init__(self, template: Template, rng: np.random.Generator) -> None:
        self.template = template
        self.rng = rng
        self.problems: list[Problem] = []
        self._counter: dict[str, int] = {}
        self.vars: dict[str, Any] = {}

    def value(self, value: Any, path: str) -> Any:
        kind = _dist_kind(value)
        if kind is not None:
            return self.dist(kind, value, path)
        if _is_block(value):
            return self.list([value], path)
        if isinstance(value, Mapping):
            return {str(k): self.value(v, f"{path}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return self.list(value, path)
        return _plain(value)

    def list(self, items: Sequence[Any], path: str) -> list[Any]:
        out: list[Any] = []
        for i, item in enumerate(items):
            if _is_block(item):
                for obj, _pos in self.block(item, f"{path}[{i}]", path):
                    out.append(obj)
            else:
                out.append(self.value(item, f"{path}[{i}]"))
        return out

    def objects(self, value: Any, path: str) -> tuple[list[Any], list[Any]]:
        """Resolve the object list, keeping each object's unresolved position for placement."""
        items = [value] if _is_block(value) else value
        if not isinstance(items, list):
            return self.value(value, path), []
        out: list[Any] = []
        positions: list[Any] = []
        for i, item in enumerate(items):
            if _is_block(item):
                for obj, pos in self.block(item, f"{path}[{i}]", path):
                    out.append(obj)
                    positions.append(pos)
            else:
                out.append(self.value(item, f"{path}[{i}]"))
                positions.append(item.get("position") if isinstance(item, Mapping) else None)
        return out, positions

    def block(self, b: Mapping, path: str, list_path: str) -> list[tuple[Any, Any]]:
        count = int(self.value(b.get("count", 1), f"{path}.count"))
        pattern = str(b.get("names", _DEFAULT_NAMES))
        pool = list(b["pool"])
        weights = np.array(
            [float(e.get("weight", 1)) if _is_pool_wrapper(e) else 1.0 for e in pool]
        )
        p = weights / weights.sum()
        made: list[tuple[Any, Any]] = []
        for _ in range(count):
            j = int(self.rng.choice(len(pool), p=p))
            entry = pool[j]
            tmpl = entry["object"] if _is_pool_wrapper(entry) else entry
            i = self._counter.get(list_path, 0)
            self._counter[list_path] = i + 1
            obj = self.value(tmpl, f"{path}.pool[{j}]")
            name_pattern = obj.get("name", pattern) if isinstance(obj, dict) else pattern
            if isinstance(obj, dict):
                obj = {
                    "name": str(name_pattern).format(i=i),
                    **{k: v for k, v in obj.items() if k != "name"},
                }
            made.append((obj, tmpl.get("position") if isinstance(tmpl, Mapping) else None))
        return made

    def dist(self, kind: str, d: Mapping, path: str) -> Any:
        rng = self.rng
        arg = _plain(d[kind])
        if kind == "uniform":
            lo, hi = np.asarray(arg[0], dtype=float), np.asarray(arg[1], dtype=float)
            return _out(rng.uniform(lo, hi))
        if kind == "loguniform":
            lo, hi = np.log(np.asarray(arg[0], float)), np.log(np.asarray(arg[1], float))
            return _out(np.exp(rng.uniform(lo, hi)))
        if kind == "normal":
            x = rng.normal(np.asarray(arg[0], float), np.asarray(arg[1], float))
            if "clip" in d:
                clip = _plain(d["clip"])
                x = np.clip(x, np.asarray(clip[0], float), np.asarray(clip[1], float))
            return _out(x)
        if kind == "randint":
            return int(rng.integers(int(arg[0]), int(arg[1]) + 1))
        if kind == "choice":
            options = d[kind]
            if "weights" in d:
                w = np.asarray(_plain(d["weights"]), dtype=float)
                j = int(rng.choice(len(options), p=w / w.sum()))
            else:
                j = int(rng.integers(0, len(options)))
            return self.value(options[j], f"{path}.choice[{j}]")
        if kind == "hue":
            h = float(rng.uniform(arg[0], arg[1])) % 360.0
            s = _draw_range(rng, _plain(d.get("saturation", [0.6, 1.0])))
            v = _draw_range(rng, _plain(d.get("value", [0.7, 1.0])))
            r, g, b = colorsys.hsv_to_rgb(h / 360.0, s, v)
            return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (r, g, b)))
        if kind == "glob":
            files = _glob_files(str(arg), self.template.base_dir)
            if not files:
                self.problems.append(
                    Problem(path, f"glob '{arg}' matches no file in {self.template.base_dir}")
                )
                return str(arg)
            return files[int(rng.integers(0, len(files)))]
        if kind == "orbit":
            dist = _draw_range(rng, arg["distance"])
            elev = math.radians(_draw_range(rng, arg.get("elevation", 30.0)))
            azim = math.radians(_draw_range(rng, arg.get("azimuth", [0.0, 360.0])))
            target = np.asarray(arg.get("target", [0.0, 0.0, 0.0]), dtype=float)
            offset = dist * np.array(
                [math.cos(elev) * math.cos(azim), math.cos(elev) * math.sin(azim), math.sin(elev)]
            )
            return _out(target + offset)
        if kind == "var":
            if arg not in self.vars:
                self.problems.append(Problem(path, f"unknown variable {arg!r}"))
                return None
            return copy.deepcopy(self.vars[arg])
        raise AssertionError(kind)  # pragma: no cover - DISTRIBUTIONS is exhaustive


def _is_pool_wrapper(entry: Any) -> bool:
    return isinstance(entry, Mapping) and "object" in entry and set(entry) <= {"object", "weight"}


def _draw_range(rng: np.random.Generator, spec: Any) -> float:
    if isinstance(spec, (list, tuple)):
        return float(rng.uniform(float(spec[0]), float(spec[1])))
    return float(spec)


def _out(x: np.ndarray) -> Any:
    """A float or a list of floats, rounded to 1e-9 (keeps YAML and JSON dumps short)."""
    a = np.round(np.asarray(x, dtype=float), 9)
    return float(a) if a.ndim == 0 else [float(v) for v in a]


# --------------------------------------------------------------------------------------------
# placement


@dataclass
class _Box:
    """Oriented bounding box: centre (3,), rotation (3, 3) columns = box axes, half extents."""

    centre: np.ndarray
    rot: np.ndarray
    half: np.ndarray
    sphere: float | None  # radius when the object is a sphere (exact test between spheres)


def _half_extents(shape: Mapping[str, Any], base_dir: Path) -> tuple[np.ndarray, float | None]:
    t = shape.get("type")
    if t == "box":
        return np.abs(np.asarray(shape.get("size", [1, 1, 1]), dtype=float)) / 2, None
    if t == "sphere":
        r = float(shape.get("radius", 0.5))
        return np.full(3, r), r
    r = float(shape.get("radius", 0.5))
    h = float(shape.get("height", 1.0))
    if t == "cylinder":
        return np.array([r, r, h / 2]), None
    if t == "capsule":  # height may or may not include the caps: assume the larger
        return np.array([r, r, h / 2 + r]), None
    if t == "cone":  # origin at the centroid or at mid-height: cover both
        return np.array([r, r, 0.75 * h]), None
    if t == "mesh":
        size = shape.get("size")
        if size is not None:
            s = np.abs(np.asarray(size, dtype=float))
            return (np.full(3, float(s)) if s.ndim == 0 else s) / 2, None
        return _mesh_half_extents(str(shape.get("file", "")), base_dir) * _scale(shape), None
    return np.zeros(3), None


def _scale(shape: Mapping[str, Any]) -> np.ndarray:
    s = np.asarray(shape.get("scale", 1.0), dtype=float)
    return np.abs(s) if s.ndim else np.full(3, abs(float(s)))


_MESH_CACHE: dict[str, np.ndarray] = {}


def _mesh_half_extents(file: str, base_dir: Path) -> np.ndarray:
    """Half extents about the file's origin (conservative), cached per file; zeros if unreadable
    (the core reports unreadable meshes)."""
    path = str((base_dir / file).resolve()) if not Path(file).is_absolute() else file
    if path not in _MESH_CACHE:
        try:
            import trimesh

            mesh = trimesh.load(path, force="mesh")
            b = np.asarray(mesh.bounds, dtype=float)
            _MESH_CACHE[path] = np.max(np.abs(b), axis=0)
        except Exception:  # noqa: BLE001 - any loader failure: leave the check to the core
            _MESH_CACHE[path] = np.zeros(3)
    return _MESH_CACHE[path]


def _rotation(obj: Mapping[str, Any]) -> np.ndarray:
    from scipy.spatial.transform import Rotation

    if obj.get("quaternion") is not None:
        return Rotation.from_quat(np.asarray(obj["quaternion"], dtype=float)).as_matrix()
    if obj.get("rotation") is not None:
        return Rotation.from_euler(
            "xyz", np.asarray(obj["rotation"], float), degrees=True
        ).as_matrix()
    return np.eye(3)


def _box(obj: Mapping[str, Any], base_dir: Path, margin: float) -> _Box | None:
    shape = obj.get("shape")
    pos = obj.get("position", [0.0, 0.0, 0.0])
    if not isinstance(shape, Mapping) or not _is_vector(pos) or len(pos) != 3:
        return None
    try:
        half, sphere = _half_extents(shape, base_dir)
        rot = _rotation(obj)
    except (TypeError, ValueError):
        return None  # malformed values are reported by the scene validation
    return _Box(
        np.asarray(pos, float),
        rot,
        half + margin / 2,
        None if sphere is None else sphere + margin / 2,
    )


def _overlap(a: _Box, b: _Box, tol: float = 1e-9) -> bool:
    """Whether two oriented boxes (or two spheres) intersect (separating axis theorem)."""
    d = b.centre - a.centre
    if a.sphere is not None and b.sphere is not None:
        return float(np.linalg.norm(d)) < a.sphere + b.sphere - tol
    if np.linalg.norm(d) >= np.linalg.norm(a.half) + np.linalg.norm(b.half):
        return False
    axes = [a.rot[:, i] for i in range(3)] + [b.rot[:, i] for i in range(3)]
    for i in range(3):
        for j in range(3):
            c = np.cross(a.rot[:, i], b.rot[:, j])
            n = np.linalg.norm(c)
            if n > 1e-9:
                axes.append(c / n)
    for ax in axes:
        ra = np.sum(a.half * np.abs(a.rot.T @ ax))
        rb = np.sum(b.half * np.abs(b.rot.T @ ax))
        if abs(d @ ax) >= ra + rb - tol:
            return False
    return True


def _below_ground(box: _Box) -> bool:
    lowest = box.centre[2] - (
        box.sphere if box.sphere is not None else np.sum(np.abs(box.rot[2, :]) * box.half)
    )
    return bool(lowest < -1e-6)


def _place(
    template: Template,
    objects: list[Any],
    position_templates: list[Any],
    resolver: _Resolver,
    ground: Any,
) -> None:
    """Re-draw random positions until no random object interpenetrates an earlier one."""
    settings = template.settings.get("placement", {}) or {}
    max_tries = int(settings.get("max_tries", 100))
    margin = float(settings.get("margin", 0.0))
    ground_on = (
        not (isinstance(ground, Mapping) and ground.get("enabled") is False) and ground is not False
    )
    placed: list[_Box] = []
    for i, obj in enumerate(objects):
        if not isinstance(obj, dict):
            continue
        pos_tmpl = position_templates[i] if i < len(position_templates) else None
        random_pos = pos_tmpl is not None and is_template(pos_tmpl)
        box = _box(obj, template.base_dir, margin if random_pos else 0.0)
        if box is None:
            continue
        if random_pos:
            dynamic = not obj.get("static", False)
            for _ in range(max_tries):
                clash = any(_overlap(box, other) for other in placed)
                if not clash and not (ground_on and dynamic and _below_ground(box)):
                    break
                obj["position"] = resolver.value(pos_tmpl, f"objects[{i}].position")
                box = _box(obj, template.base_dir, margin)
                assert box is not None
            else:
                raise PlacementError(
                    template.source,
                    [
                        Problem(
                            f"objects[{i}]",
                            f"could not place '{obj.get('name')}' without touching another "
                            f"object or the ground after {max_tries} tries; widen its position "
                            "range, use fewer or smaller objects, or raise "
                            "template.placement.max_tries",
                        )
                    ],
                )
        placed.append(box)


def matches_interest(name: str, patterns: Sequence[str]) -> bool:
    """Whether object ``name`` matches any fnmatch pattern (True when no pattern is given)."""
    return not patterns or any(fnmatch.fnmatchcase(name, p) for p in patterns)
