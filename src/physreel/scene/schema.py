"""JSON Schemas of the scene format and of batch templates (``physreel schema``).

The scene schema is pydantic's schema of :class:`~physreel.scene.models.Scene` with a
``$schema``/``$id``, and a ``description`` (units included) on every field, read from
``physreel/data/scene_fields.yaml`` (one table, so the docs of a field live in one place; a
test fails when a field has none).  The template schema accepts, wherever the scene schema
accepts a value, a distribution (``{uniform: [a, b]}``...) instead, and a repeat block where
it accepts the object list.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from importlib import resources
from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCENE_ID = "urn:physreel:schema:scene:1"
TEMPLATE_ID = "urn:physreel:schema:template:1"


@lru_cache(maxsize=1)
def field_docs() -> dict[str, dict[str, str]]:
    """``{model name: {field: description}}`` (``"*"`` holds fields documented once for every
    model that has them)."""
    from .yamlio import parse

    text = resources.files("physreel").joinpath("data/scene_fields.yaml").read_text(encoding="utf-8")
    data, _ = parse(text)
    return data


def scene_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of scene files."""
    from .models import Scene

    schema = Scene.model_json_schema()
    docs = field_docs()
    _describe(schema, "Scene", docs)
    for name, d in schema.get("$defs", {}).items():
        _describe(d, name, docs)
    return {"$schema": SCHEMA_DIALECT, "$id": SCENE_ID, **schema}


def _describe(model: dict, name: str, docs: dict) -> None:
    own, common = docs.get(name) or {}, docs.get("*") or {}
    for key, prop in (model.get("properties") or {}).items():
        text = own.get(key) or common.get(key)
        if text and not prop.get("description"):
            prop["description"] = " ".join(str(text).split())


def undocumented(schema: dict[str, Any]) -> list[str]:
    """``Model.field`` of every property without a description (for the test)."""
    out = [f"Scene.{k}" for k, p in schema.get("properties", {}).items() if not p.get("description")]
    for name, d in schema.get("$defs", {}).items():
        out += [f"{name}.{k}" for k, p in (d.get("properties") or {}).items() if not p.get("description")]
    return out


def _dist(key: str, spec: dict, text: str, **extra: dict) -> dict:
    return {"type": "object", "description": text, "required": [key], "additionalProperties": False,
            "properties": {key: spec, **extra}}


_RANGE = {"type": "array", "minItems": 2, "maxItems": 2, "description": "[low, high]: numbers, or two vectors"}
_NUM_OR_RANGE = {"anyOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}, "minItems": 2,
                                                   "maxItems": 2}]}

DISTRIBUTION = {
    "description": "A random value, drawn anew for every sample of a batch (see the README's batch section).",
    "oneOf": [
        _dist("uniform", _RANGE, "A number uniformly in [a, b) (vectors: each component in its own range)."),
        _dist("loguniform", _RANGE, "A number whose logarithm is uniform (0 < a <= b): masses, sizes."),
        _dist("normal", {**_RANGE, "description": "[mean, std] (vectors: [[means], [stds]])"},
              "A Gaussian number, optionally clipped.", clip=_RANGE),
        _dist("randint", _RANGE, "An integer in [a, b], both ends included."),
        _dist("choice", {"type": "array", "minItems": 1}, "One of the values (each may hold distributions).",
              weights={"type": "array", "items": {"type": "number", "minimum": 0},
                       "description": "relative weights, need not sum to 1"}),
        _dist("hue", {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
                      "description": "[h0, h1] degrees; h1 may exceed 360 to wrap through red"},
              "A colour '#rrggbb' of random hue.",
              saturation={**_NUM_OR_RANGE, "description": "0..1, a number or [lo, hi] (default [0.6, 1])"},
              value={**_NUM_OR_RANGE, "description": "0..1, a number or [lo, hi] (default [0.7, 1])"}),
        _dist("glob", {"type": "string"}, "One of the files matching the pattern (relative to the template)."),
        _dist("orbit", {"type": "object", "additionalProperties": False, "properties": {
            "distance": {**_NUM_OR_RANGE, "description": "metres"},
            "elevation": {**_NUM_OR_RANGE, "description": "degrees above the horizontal"},
            "azimuth": {**_NUM_OR_RANGE, "description": "degrees from +X"},
            "target": {"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 3,
                       "description": "centre, metres (default the origin)"}}},
              "A point on a sphere around target: for camera positions."),
        _dist("var", {"type": "string"}, "The value of a variable of template.vars (drawn once per sample)."),
    ],
}

REPEAT_BLOCK = {
    "type": "object",
    "description": "A repeat block: `count` objects drawn from `pool`, named by `names`.",
    "required": ["count", "pool"],
    "additionalProperties": False,
    "properties": {
        "count": {"anyOf": [{"type": "integer", "minimum": 0}, {"$ref": "#/$defs/Distribution"}],
                  "description": "how many items this block makes"},
        "names": {"type": "string", "description": "name pattern, {i} is a running index, e.g. obj_{i}"},
        "pool": {"type": "array", "minItems": 1, "description": "item templates, or {weight, object} entries",
                 "items": {"type": "object"}},
    },
}

TEMPLATE_SECTION = {
    "type": "object",
    "description": "Batch settings; removed from every resolved sample.",
    "additionalProperties": False,
    "properties": {
        "description": {"type": "string", "description": "shown in the dataset card"},
        "interest": {"type": "array", "items": {"type": "string"},
                     "description": "objects the visibility filter checks (fnmatch patterns; default every "
                                    "moving object)"},
        "placement": {"type": "object", "additionalProperties": False, "description": "random placement",
                      "properties": {
                          "max_tries": {"type": "integer", "minimum": 1, "description": "draws per object (100)"},
                          "margin": {"type": "number", "minimum": 0,
                                     "description": "metres between random objects (0)"}}},
        "vars": {"type": "object", "description": "values drawn once per sample, used as {var: name}"},
    },
}


def template_schema() -> dict[str, Any]:
    """The JSON Schema of batch templates: the scene schema where every value may also be a
    distribution and every list may hold repeat blocks, plus the ``template`` section."""
    schema = copy.deepcopy(scene_schema())
    defs = schema.setdefault("$defs", {})
    for d in defs.values():
        _randomize(d)
    _randomize(schema)
    obj = defs.get("ObjectSpec")
    if obj and "name" in obj.get("required", []):  # pool objects are named by their block
        obj["required"] = [r for r in obj["required"] if r != "name"]
    defs["Distribution"] = DISTRIBUTION
    defs["RepeatBlock"] = REPEAT_BLOCK
    schema["properties"]["template"] = TEMPLATE_SECTION
    schema["$id"] = TEMPLATE_ID
    schema["title"] = "physreel batch template"
    return schema


def _randomize(model: dict) -> None:
    for key, prop in list((model.get("properties") or {}).items()):
        model["properties"][key] = _random_value(prop)


def _random_value(prop: dict) -> dict:
    """``prop`` or a distribution (and, for lists, repeat blocks)."""
    prop = dict(prop)
    desc = prop.pop("description", None)
    default = prop.pop("default", None)
    if "items" in prop and isinstance(prop["items"], dict):
        prop["items"] = {"anyOf": [_random_value(prop["items"]), {"$ref": "#/$defs/RepeatBlock"}]}
    if "prefixItems" in prop:
        prop["prefixItems"] = [_random_value(p) for p in prop["prefixItems"]]
    for key in ("anyOf", "oneOf"):
        if key in prop:
            prop[key] = [_random_value(p) if "$ref" not in p else p for p in prop[key]]
    alts = [prop, {"$ref": "#/$defs/Distribution"}]
    if prop.get("type") == "array":
        alts.append({"$ref": "#/$defs/RepeatBlock"})
    out: dict[str, Any] = {"anyOf": alts}
    if desc:
        out["description"] = desc
    if default is not None:
        out["default"] = default
    return out
