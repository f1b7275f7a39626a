"""Loading and validating scene files.

``load_scene(path)`` reads YAML or JSON, validates it against :class:`Scene` and runs the
checks that span several fields (unique names, known materials, files that exist, a physics
rate that divides into frames).  Every problem of the file is reported at once in one
:class:`~physreel.errors.SceneError`, each with its line and field path.
"""

from __future__ import annotations

import difflib
import os
import types
import typing
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from ..errors import Problem, SceneError
from .compose import composition_problems, compound_parts, expand, named_objects, resolve_part_paths
from .materials import PRESETS
from .models import GROUND_PATTERNS, Scene
from .yamlio import Positions, YamlSyntaxError, parse, position_of


def load_scene(source: str | os.PathLike | dict | Scene, *, base_dir: str | os.PathLike | None = None) -> Scene:
    """Load and validate a scene.

    Parameters
    ----------
    source : path to a ``.yaml``/``.yml``/``.json`` file, a plain dict, or a Scene (returned as is)
    base_dir : folder that relative file paths in the scene are resolved against; by default
        the scene file's folder (or the current directory for a dict).

    Raises
    ------
    SceneError
        Listing every problem found, with file, line and field path.
    """
    if isinstance(source, Scene):
        return source
    if isinstance(source, dict):
        return load_scene_data(source, source="<dict>", base_dir=Path(base_dir or os.getcwd()))
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SceneError(str(path), [Problem("", "file not found; check the path")]) from None
    except IsADirectoryError:
        raise SceneError(str(path), [Problem("", "is a folder, expected a .yaml or .json scene file")]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise SceneError(str(path), [Problem("", f"cannot read the file: {e}")]) from None
    try:
        data, positions = parse(text)
    except YamlSyntaxError as e:
        raise SceneError(str(path), [Problem("", e.message, e.line, e.column)]) from None
    if data is None:
        raise SceneError(str(path), [Problem("", "the file is empty (or holds only comments): nothing to film. "
                                             "A scene needs at least one object, e.g.\n"
                                             "      objects:\n        - {name: ball, shape: {type: sphere, radius: 0.1}, "
                                             "position: [0, 0, 1]}", 1, 1)])
    base = Path(base_dir) if base_dir is not None else path.resolve().parent
    nothing = isinstance(data, dict) and data.get("objects") in (None, [])
    try:
        scene = load_scene_data(data, source=str(path), base_dir=base, positions=positions)
    except SceneError as e:
        raise SceneError(str(path), _nothing_to_film(positions) + e.problems) if nothing else e from None
    if nothing:  # a scene file must film something (a dict may be a bare floor, e.g. in a test)
        raise SceneError(str(path), _nothing_to_film(positions))
    if "name" not in data:
        scene = scene.model_copy(update={"name": _safe_name(path.stem)})
    return scene


def _nothing_to_film(positions: Positions) -> list[Problem]:
    line, col = position_of(positions, ("objects",))
    return [Problem("objects", "the scene has no objects: there is nothing to film. Add at least one under "
                    "'objects:', e.g. - {name: ball, shape: {type: sphere, radius: 0.1}, position: [0, 0, 1]}",
                    line, col)]


def load_scene_data(
    data: Any,
    *,
    source: str = "<dict>",
    base_dir: str | os.PathLike | None = None,
    positions: Positions | None = None,
) -> Scene:
    """Validate plain data (as parsed from YAML/JSON) into a :class:`Scene`.

    Relative mesh and texture paths are resolved against ``base_dir`` and stored absolute, so the
    resolved scene can be written anywhere and re-rendered as is.
    """
    positions = positions or {}
    base = Path(base_dir) if base_dir is not None else Path(os.getcwd())
    if not isinstance(data, dict):
        raise SceneError(source, [Problem("", f"expected a mapping of scene fields at the top level, got {type(data).__name__}", 1)])
    problems: list[Problem] = []
    scene: Scene | None = None
    try:
        scene = Scene.model_validate(data)
    except ValidationError as e:
        problems.extend(_problems_from_validation(e, data, positions))
    problems.extend(_cross_checks(data, base, positions))
    problems = _dedupe(problems)
    if problems or scene is None:
        raise SceneError(source, sorted(problems, key=lambda p: (p.line or 0, p.path)))
    scene = expand(_resolve_paths(scene, base))  # arrays and relative_to, resolved
    object.__setattr__(scene, "__pydantic_private__", {"_source": source, "_positions": dict(positions)})
    return scene


# ------------------------------------------------------------------------------ pydantic errors
def format_loc(loc: tuple[Any, ...]) -> str:
    """``('objects', 2, 'shape', 'radius')`` -> ``objects[2].shape.radius``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_loc(path: str) -> tuple[Any, ...]:
    """``objects[2].shape.radius`` -> ``('objects', 2, 'shape', 'radius')`` (the inverse of
    :func:`format_loc`)."""
    import re

    return tuple(int(m.group(1)) if m.group(1) is not None else m.group(2)
                 for m in re.finditer(r"\[(\d+)\]|([^.\[\]]+)", path))


def _data_loc(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """Drop pydantic's union-tag components (``shape.sphere.radius`` -> ``shape.radius``)."""
    out: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and node.get("type") == part:
            continue  # the discriminator value pydantic inserts
        elif isinstance(part, str) and part.startswith(("function-", "tagged-union[")):
            continue
        else:
            out.append(part)
            node = None
    return tuple(out)


def _problems_from_validation(err: ValidationError, data: Any, positions: Positions) -> list[Problem]:
    problems = []
    for e in err.errors(include_url=False):
        loc = _data_loc(tuple(e["loc"]), data)
        kind = e["type"]
        given = e.get("input")
        if kind == "extra_forbidden":
            key = loc[-1] if loc else "?"
            allowed = _allowed_keys(tuple(e["loc"])[:-1], data)
            msg = f"unknown field '{key}'"
            near = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            if near:
                msg += f"; did you mean '{near[0]}'?"
            elif allowed:
                msg += f"; allowed fields here: {', '.join(allowed)}"
        elif kind == "missing" and loc and isinstance(loc[-1], int):  # a too short [x, y, z]
            given = value_at(data, loc[:-1])
            n = len(given) if isinstance(given, list) else 0
            loc = loc[:-1]
            msg = f"expected more values (got {n}: {_short(given)}); give every component, e.g. [x, y, z]"
        elif kind == "missing":
            msg = f"required field '{loc[-1]}' is missing"
        elif kind == "union_tag_invalid":
            tags = e.get("ctx", {}).get("expected_tags", "")
            tag = e.get("ctx", {}).get("tag")
            opts = [t.strip(" '") for t in str(tags).split(",")]
            msg = f"unknown type {tag!r}; expected one of {tags}"
            near = difflib.get_close_matches(str(tag), opts, n=1, cutoff=0.6)
            if near:
                msg += f"; did you mean '{near[0]}'?"
        elif kind == "union_tag_not_found":
            msg = "a 'type' field is required here, e.g. {type: sphere, radius: 0.1}"
        else:
            text = e["msg"]
            for prefix in ("Value error, ", "Assertion failed, "):
                if text.startswith(prefix):
                    text = text[len(prefix):]
            msg = text[0].lower() + text[1:] if text else kind
            if kind != "value_error" and not isinstance(given, (dict,)):
                msg += f"; got {_short(given)}"
        line, col = position_of(positions, loc)
        problems.append(Problem(format_loc(loc), msg, line, col))
    return problems


def value_at(data: Any, loc: tuple[Any, ...]) -> Any:
    """The value at ``loc`` in plain data (None when there is none)."""
    for key in loc:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _short(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def _allowed_keys(loc: tuple[Any, ...], data: Any = None) -> list[str]:
    """Field names of the model at pydantic location ``loc`` (for "did you mean").

    pydantic puts the tag value of a tagged union in its locations (``shape.sphere.radius``):
    after a union, that part selects the member.
    """
    ann: Any = Scene
    for part in loc:
        ann = _strip(ann)
        members = _union_models(ann)
        if members:
            picked = [m for m in members if m.model_fields.get("type") and m.model_fields["type"].default == part]
            if not picked:
                return []
            ann = picked[0]
            continue
        origin = typing.get_origin(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel) and part in ann.model_fields:
            ann = ann.model_fields[part].annotation
        elif origin in (list, tuple) and isinstance(part, int):
            ann = typing.get_args(ann)[0]
        elif origin is dict:
            ann = typing.get_args(ann)[1]
        else:
            return []
    ann = _strip(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return list(ann.model_fields)
    return []


def _strip(ann: Any) -> Any:
    """Remove Annotated and Optional wrappers."""
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            ann = typing.get_args(ann)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(ann) if a is not type(None)]
            if len(members) != 1:
                return ann
            ann = members[0]
        else:
            return ann


def _union_models(ann: Any) -> list[type[BaseModel]]:
    if typing.get_origin(ann) in (Union, types.UnionType):
        return [a for a in typing.get_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)]
    return []


# ------------------------------------------------------------------------------ cross checks
def _cross_checks(data: dict, base: Path, positions: Positions) -> list[Problem]:
    problems: list[Problem] = []

    def add(loc: tuple[Any, ...], msg: str) -> None:
        line, col = position_of(positions, loc)
        problems.append(Problem(format_loc(loc), msg, line, col))

    scene_materials = data.get("materials") if isinstance(data.get("materials"), dict) else {}
    known = sorted(set(PRESETS) | set(scene_materials))

    def check_material(loc: tuple[Any, ...], name: Any) -> None:
        if not isinstance(name, str) or name in known:
            return
        msg = f"unknown material '{name}'"
        near = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        msg += f"; did you mean '{near[0]}'?" if near else ""
        msg += f" Known materials: {', '.join(known)} (define new ones under 'materials:')"
        add(loc, msg)

    for mname, m in scene_materials.items():
        if isinstance(m, dict) and "base" in m:
            if isinstance(m["base"], str) and m["base"] not in PRESETS:
                near = difflib.get_close_matches(m["base"], list(PRESETS), n=1, cutoff=0.6)
                add(("materials", mname, "base"), f"unknown base preset '{m['base']}'"
                    + (f"; did you mean '{near[0]}'?" if near else f"; presets: {', '.join(PRESETS)}"))

    ground = data.get("ground")
    if isinstance(ground, dict) and "material" in ground:
        check_material(("ground", "material"), ground["material"])
    if isinstance(ground, dict) and isinstance(ground.get("texture"), str) and ground["texture"] not in GROUND_PATTERNS:
        tex = ground["texture"]
        near = difflib.get_close_matches(tex, GROUND_PATTERNS, n=1, cutoff=0.6)
        if "." not in Path(tex).name:
            add(("ground", "texture"), f"unknown ground texture '{tex}'"
                + (f"; did you mean '{near[0]}'?" if near else "")
                + f" (one of {', '.join(GROUND_PATTERNS)}, or an image file)")
        else:
            _check_file(base, tex, ("ground", "texture"), "ground texture image", add)
    sky = data.get("sky")
    if isinstance(sky, dict) and isinstance(sky.get("file"), str):
        _check_file(base, sky["file"], ("sky", "file"), "sky image", add)

    objects = data.get("objects")
    seen: dict[str, int] = {}
    if isinstance(objects, list):
        for i, obj in enumerate(objects):
            if not isinstance(obj, dict):
                continue
            name = obj.get("name")
            if isinstance(name, str):
                if name in seen:
                    add(("objects", i, "name"), f"duplicate object name '{name}' (objects[{seen[name]}] has it too); names must be unique")
                else:
                    seen[name] = i
            if "material" in obj:
                check_material(("objects", i, "material"), obj["material"])
            shape = obj.get("shape")
            for k, part in compound_parts(shape):  # a compound's parts: materials and mesh files
                if "material" in part:
                    check_material(("objects", i, "shape", "parts", k, "material"), part["material"])
                ps = part.get("shape")
                if isinstance(ps, dict) and ps.get("type") == "mesh" and isinstance(ps.get("file"), str):
                    _check_file(base, ps["file"], ("objects", i, "shape", "parts", k, "shape", "file"), "mesh", add)
            if isinstance(shape, dict) and shape.get("type") == "mesh" and isinstance(shape.get("file"), str):
                _check_file(base, shape["file"], ("objects", i, "shape", "file"), "mesh", add)
            if isinstance(shape, dict) and shape.get("type") == "mesh" and shape.get("collision") == "mesh" \
                    and obj.get("static") is not True:
                add(("objects", i, "shape", "collision"),
                    "collision: mesh (exact triangles) works only for static objects; set 'static: true' "
                    "or use 'collision: decompose' (convex parts) or 'hull' for a moving object")
            tex = obj.get("texture")
            if isinstance(tex, str) and tex != "checker":
                _check_file(base, tex, ("objects", i, "texture"), "texture image", add)

    cams = data.get("cameras")
    if isinstance(cams, list):
        names: dict[str, int] = {}
        for i, cam in enumerate(cams):
            if isinstance(cam, dict):
                n = cam.get("name", "main")
                if isinstance(n, str) and n in names:
                    add(("cameras", i, "name"), f"duplicate camera name '{n}' (cameras[{names[n]}] has it too); give each camera its own name")
                elif isinstance(n, str):
                    names[n] = i
        if not cams:
            add(("cameras",), "at least one camera is needed (or leave 'cameras' out for the default one)")

    problems.extend(_reference_checks(data, positions))
    from .people import people_problems

    names = [o.get("name") for o in objects if isinstance(o, dict)] if isinstance(objects, list) else []
    for loc, msg in people_problems(data, [n for n in names if isinstance(n, str)], base):
        add(loc, msg)

    fps = data.get("fps", 24)
    physics = data.get("physics") if isinstance(data.get("physics"), dict) else {}
    rate = physics.get("rate")  # when not set it follows fps (models.default_physics_rate)
    if isinstance(fps, int) and isinstance(rate, int) and fps > 0 and rate > 0 and not isinstance(fps, bool):
        if rate % fps:
            good = rate - rate % fps + fps
            add(("physics", "rate"), f"physics rate {rate} Hz is not a whole multiple of fps {fps}; each frame "
                f"must be a whole number of physics steps (e.g. rate: {good}, or leave 'rate' out to follow fps)")
    return problems


def _reference_checks(data: dict, positions: Positions) -> list[Problem]:
    """Names used by camera motions (and interactions) must be objects of the scene."""
    out: list[Problem] = []
    objects = data.get("objects") if isinstance(data.get("objects"), list) else []
    names = list(named_objects(objects))  # array copies by their own names
    cams = data.get("cameras") if isinstance(data.get("cameras"), list) else []
    for i, cam in enumerate(cams):
        if not isinstance(cam, dict) or not isinstance(cam.get("motion"), list):
            continue
        for j, m in enumerate(cam["motion"]):
            if isinstance(m, dict) and m.get("type") == "follow" and isinstance(m.get("object"), str) and m["object"] not in names:
                loc = ("cameras", i, "motion", j, "object")
                near = difflib.get_close_matches(m["object"], names, n=1, cutoff=0.6)
                line, col = position_of(positions, loc)
                out.append(Problem(format_loc(loc), f"follow names an unknown object '{m['object']}'"
                                   + (f"; did you mean '{near[0]}'?" if near else f"; objects: {', '.join(names) or 'none'}"), line, col))
    from .interactions import reference_problems

    for loc, msg in reference_problems(data, names) + composition_problems(data):
        line, col = position_of(positions, loc)
        out.append(Problem(format_loc(loc), msg, line, col))
    return out


def _check_file(base: Path, rel: str, loc: tuple[Any, ...], what: str, add) -> None:
    path = (base / rel).resolve() if not os.path.isabs(rel) else Path(rel)
    if not path.exists():
        add(loc, f"{what} file not found: {path} (relative paths are resolved against the scene file's folder)")
    elif path.is_dir():
        add(loc, f"{what} path is a folder, expected a file: {path}")
    elif not os.access(path, os.R_OK):
        add(loc, f"{what} file is not readable: {path} (check its permissions)")


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen = set()
    out = []
    for p in problems:
        key = (p.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _resolve_paths(scene: Scene, base: Path) -> Scene:
    objs = []
    changed = False
    for o in scene.objects:
        upd: dict[str, Any] = {}
        if o.shape.type == "mesh" and not os.path.isabs(o.shape.file):
            upd["shape"] = o.shape.model_copy(update={"file": str((base / o.shape.file).resolve())})
        if o.shape.type == "compound":
            shape = resolve_part_paths(o.shape, base)
            if shape is not o.shape:
                upd["shape"] = shape
        if o.texture and o.texture != "checker" and not os.path.isabs(o.texture):
            upd["texture"] = str((base / o.texture).resolve())
        if o.shape.type == "humanoid" and o.shape.skin and not os.path.isabs(o.shape.skin):
            upd["shape"] = o.shape.model_copy(update={"skin": str((base / o.shape.skin).resolve())})
        if any(_is_clip_file(m.clip) for m in o.motion):
            upd["motion"] = [m.model_copy(update={"clip": str((base / m.clip).resolve())}) if _is_clip_file(m.clip) else m
                             for m in o.motion]
        objs.append(o.model_copy(update=upd) if upd else o)
        changed |= bool(upd)
    top: dict[str, Any] = {}
    if scene.ground.texture not in GROUND_PATTERNS and not os.path.isabs(scene.ground.texture):
        top["ground"] = scene.ground.model_copy(update={"texture": str((base / scene.ground.texture).resolve())})
    if scene.sky is not None and scene.sky.file and not os.path.isabs(scene.sky.file):
        top["sky"] = scene.sky.model_copy(update={"file": str((base / scene.sky.file).resolve())})
    if changed:
        top["objects"] = objs
    return scene.model_copy(update=top) if top else scene


def _is_clip_file(clip: str) -> bool:
    """A motion clip given as a relative file path (not a built-in clip name)."""
    from ..assets.mocap import BUILTIN_CLIPS

    return clip not in BUILTIN_CLIPS and not os.path.isabs(clip)


def _safe_name(stem: str) -> str:
    import re

    s = re.sub(r"[^A-Za-z0-9_.\-]+", "_", stem).strip("_")
    return s or "scene"
