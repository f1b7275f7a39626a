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
``{library: ["duck", "shape_*"], scale: ..., <object fields>}``
    An object drawn from the built-in object library (:mod:`physreel.assets.library`; fnmatch
    patterns over its names, drawn uniformly): its mesh, scale, mass and class, merged with the
    object fields written next to it (see :mod:`physreel.batch.template_library`).
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
do not interpenetrate anything placed before them nor the ground plane ``z = 0``, measured on
the geometry physics and rendering use (:mod:`physreel.batch.placement`: the built object's
bounding box, oriented with it, after up-axis conversion, scaling and origin shift).  An overlapping object's
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

The modules behind this one: :mod:`~physreel.batch.template_syntax` (recognising and checking
the constructs), :mod:`~physreel.batch.template_resolve` (drawing them) and
:mod:`~physreel.batch.placement`.
"""
from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from physreel.batch.placement import PlacementError, place
from physreel.batch.template_resolve import Resolver
from physreel.batch.template_syntax import (
    DISTRIBUTIONS,
    check_template,
    plain,
    uses_template_features,
)
from physreel.errors import PhysreelError, Problem, SceneError

__all__ = [
    "DISTRIBUTIONS",
    "PlacementError",
    "Template",
    "check_template",
    "is_template",
    "load_template",
    "matches_interest",
    "resolve_template",
    "sample_rng",
    "sample_scene",
    "sample_seed_sequence",
    "template_from_data",
    "validate_template",
    "validate_template_file",
]

_VALIDATION_SEED = 0


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
        settings=plain(settings) if isinstance(settings, Mapping) else {},
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
    resolver = Resolver(template.base_dir, rng)
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
        place(
            out["objects"],
            position_templates,
            lambda i, tmpl: resolver.value(tmpl, f"objects[{i}].position"),
            base_dir=template.base_dir,
            source=template.source,
            settings=template.settings.get("placement", {}) or {},
            ground=out.get("ground"),
        )
    return out


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
    return uses_template_features(data)


# --------------------------------------------------------------------------------------------
# validation


def validate_template(
    data: Mapping[str, Any],
    source: str,
    *,
    base_dir: Path | None = None,
    positions: Mapping[tuple, tuple[int, int]] | None = None,
) -> list[Problem]:
    """Check a template: every mistake at once, on the template's own lines, once each (see
    :mod:`physreel.batch.template_check`), then one sample resolved and placed as a batch
    would (random objects that cannot be placed apart are an error).

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
    from physreel.batch.template_check import template_problems

    base = Path(base_dir) if base_dir is not None else Path(source).resolve().parent
    problems = template_problems(data, source, base_dir=base, positions=positions)
    if problems:
        return problems
    template = template_from_data(data, source=source, base_dir=base)
    try:
        resolve_template(template, sample_rng(_VALIDATION_SEED, 0))
    except SceneError as exc:
        return [_with_position(p, positions) for p in exc.problems] if positions else list(exc.problems)
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


def matches_interest(name: str, patterns: Sequence[str]) -> bool:
    """Whether object ``name`` matches any fnmatch pattern (True when no pattern is given)."""
    return not patterns or any(fnmatch.fnmatchcase(name, p) for p in patterns)
