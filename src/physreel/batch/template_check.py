"""Every mistake of a template at once, on the template's own lines, once per mistake.

A template is checked in three passes whose problems are reported together:

1. the syntax of every distribution, repeat block and the ``template`` section
   (:func:`physreel.batch.template_syntax.check_template`);
2. keys that look like a misspelt distribution (``{unifrom: [0, 1]}``: "did you mean
   'uniform'?") — without this they would only show up as a puzzling type error of the field;
3. the scene the template describes: every value drawn once, and every repeat block expanded
   to *each of its pool entries once* (not ``count`` random picks), then validated as a scene.
   A problem of a generated object is reported at the pool entry it came from, so a mistake in
   an entry that makes ten objects is one problem, with that entry's line.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from physreel.batch.template_syntax import (
    DEFAULT_NAMES,
    DISTRIBUTIONS,
    _line,
    check_template,
    dist_kind,
    is_block,
    plain,
    uses_template_features,
)
from physreel.errors import Problem, SceneError

_ORIGIN = "__template_origin__"  # a key carried through resolution: where an object came from
_SEED = 20240601  # the fixed draw of a validation (any seed would do)


def template_problems(data: Mapping[str, Any], source: str, *, base_dir: Path,
                      positions: Mapping[tuple, tuple[int, int]] | None = None) -> list[Problem]:
    """Every problem of a template (see the module docstring), sorted by line.

    Parameters
    ----------
    data : the parsed template (ruamel containers give lines; else ``positions`` does)
    source : file name, for messages
    base_dir : folder that relative paths are relative to
    positions : ``{(key, index, ...): (line, column)}`` from :func:`physreel.scene.yamlio.parse`
    """
    syntax = check_template(data, base_dir=base_dir) + _typos_outside_settings(data)
    problems = [_placed(p, data, positions) for p in syntax]
    for p in _scene_problems(data, source, base_dir, positions):
        # a field whose value has a syntax problem is reported once, by that problem
        if not any(q.path == p.path or q.path.startswith((p.path + ".", p.path + "[")) for q in syntax):
            problems.append(p)
    return sorted(_dedupe(problems), key=lambda p: (p.line or 0, p.path))


# ------------------------------------------------------------------------------ misspellings
@lru_cache(maxsize=1)
def _field_names() -> frozenset[str]:
    """Every field name of the scene format (a key that is one is never a misspelling)."""
    from physreel.scene.schema import scene_schema

    schema = scene_schema()
    names = set(schema.get("properties", {}))
    for d in schema.get("$defs", {}).values():
        names.update(d.get("properties", {}))
    return frozenset(names)


def _typos_outside_settings(data: Mapping[str, Any]) -> list[Problem]:
    """:func:`distribution_typos` of the scene part and of the values of ``template.vars``
    (the ``template`` section's own keys and the variable names are not distributions)."""
    out = distribution_typos({k: v for k, v in data.items() if k != "template"})
    settings = data.get("template")
    variables = settings.get("vars") if isinstance(settings, Mapping) else None
    if isinstance(variables, Mapping):
        for name, value in variables.items():
            out += distribution_typos(value, f"template.vars.{name}")
    return out


def distribution_typos(data: Any, path: str = "") -> list[Problem]:
    """Problems for mapping keys that are not a field of the scene format but nearly the name
    of a distribution (``unifrom``), with "did you mean"."""
    out: list[Problem] = []
    if isinstance(data, Mapping):
        if dist_kind(data) is None and not is_block(data):
            for key in data:
                k = str(key)
                if k in _field_names() or k in DISTRIBUTIONS or k == "template":
                    continue
                near = difflib.get_close_matches(k, list(DISTRIBUTIONS), n=1, cutoff=0.75)
                if near:
                    out.append(Problem(f"{path}.{k}" if path else k,
                                       f"unknown distribution '{k}'; did you mean '{near[0]}'? (distributions: "
                                       f"{', '.join(DISTRIBUTIONS)})", line=_line(data, key)))
        for key, value in data.items():
            out += distribution_typos(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += distribution_typos(value, f"{path}[{i}]")
    return out


# ------------------------------------------------------------------------------ the scene
def _scene_problems(data: Mapping[str, Any], source: str, base_dir: Path,
                    positions: Mapping[tuple, tuple[int, int]] | None) -> list[Problem]:
    from physreel.batch.template_resolve import Resolver
    from physreel.scene.loader import load_scene_data, parse_loc, value_at

    class Lenient(Resolver):
        """Draws what it can; a distribution too broken to draw (its syntax problem is
        reported already) gives a value of the right kind, so the rest is still checked."""

        def dist(self, kind: str, d: Mapping, path: str) -> Any:
            try:
                return super().dist(kind, d, path)
            except Exception:  # noqa: BLE001 - see the class docstring
                return _stand_in(kind, d.get(kind))

    doc = _expanded(plain(data))
    resolver = Lenient(Path(base_dir), np.random.default_rng(_SEED))
    for name, spec in ((doc.get("template") or {}).get("vars") or {}).items():
        resolver.vars[str(name)] = resolver.value(spec, f"template.vars.{name}")
    scene = {k: resolver.value(v, k) for k, v in doc.items() if k != "template"}
    origins: dict[int, str] = {}
    for i, obj in enumerate(scene.get("objects") or []):
        if isinstance(obj, dict) and _ORIGIN in obj:
            origins[i] = obj.pop(_ORIGIN)
    try:
        load_scene_data(scene, source=source, base_dir=base_dir)
    except SceneError as e:
        found = e.problems
    else:
        return []
    out = []
    for p in found:
        loc = parse_loc(p.path)
        if len(loc) >= 2 and loc[0] == "objects" and loc[1] in origins:
            path = origins[loc[1]] + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in loc[2:])
        else:
            path = p.path
        message = p.message
        if uses_template_features(value_at(data, parse_loc(path))):
            message += " (a value drawn for this check from the template's distribution)"
        out.append(_placed(Problem(path, message), data, positions))
    return out


def _stand_in(kind: str, arg: Any) -> Any:
    """A value of the kind a malformed distribution would give (its first bound or option)."""
    if kind in ("uniform", "loguniform", "normal", "randint") and isinstance(arg, list) and arg:
        return plain(arg[0])
    if kind == "choice" and isinstance(arg, list) and arg:
        return plain(arg[0])
    if kind == "hue":
        return "#808080"
    if kind == "orbit":
        return [0.0, -4.0, 1.5]
    return None


def _expanded(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with every object marked with the template path it comes from and every repeat
    block of ``objects`` replaced by each of its pool entries once (named by the block)."""
    objects = doc.get("objects")
    if objects is None:
        return doc
    items = [objects] if is_block(objects) else objects
    if not isinstance(items, list):
        return doc
    out: list[Any] = []
    counter = 0
    for i, item in enumerate(items):
        where = "objects" if is_block(objects) else f"objects[{i}]"
        if is_block(item) and isinstance(item.get("pool"), list):
            pattern = item.get("names", DEFAULT_NAMES)
            for j, entry in enumerate(item["pool"]):
                wrapped = isinstance(entry, Mapping) and "object" in entry and set(entry) <= {"object", "weight"}
                tmpl = entry["object"] if wrapped else entry
                if not isinstance(tmpl, dict):
                    continue
                name = str(tmpl.get("name", pattern)).format(i=counter) if isinstance(pattern, str) else None
                counter += 1
                origin = f"{where}.pool[{j}]" + (".object" if wrapped else "")
                out.append({**tmpl, "name": name, _ORIGIN: origin})
        elif isinstance(item, dict):
            out.append({**item, _ORIGIN: where})
        else:
            out.append(item)
    return {**doc, "objects": out}


# ------------------------------------------------------------------------------ lines
def _placed(p: Problem, data: Any, positions: Mapping[tuple, tuple[int, int]] | None) -> Problem:
    """``p`` with the line (and column) of its path in the template, when known."""
    if p.line is not None:
        return p
    from physreel.scene.loader import parse_loc

    loc = parse_loc(p.path)
    while loc:
        if positions and loc in positions:
            line, col = positions[loc]
            return Problem(p.path, p.message, line, col)
        line = _line_at(data, loc)
        if line is not None:
            return Problem(p.path, p.message, line)
        loc = loc[:-1]
    return p


def _line_at(data: Any, loc: tuple) -> int | None:
    node = data
    for key in loc[:-1]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return _line(node, loc[-1]) if loc else None


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if (p.path, p.message) not in seen:
            seen.add((p.path, p.message))
            out.append(p)
    return out
