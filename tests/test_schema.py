"""`physreel schema`: a JSON Schema that accepts every shipped scene and template, documents
every field, and rejects what the loader rejects."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import SCENES
from physreel.cli import main
from physreel.scene.schema import SCENE_ID, TEMPLATE_ID, scene_schema, template_schema, undocumented
from physreel.scene.yamlio import parse

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra: pip install -e '.[test]'")

SHIPPED = sorted(SCENES.glob("*.yaml"))
TEMPLATES = sorted((SCENES / "templates").glob("*.yaml"))


def _errors(schema: dict, data) -> list[str]:
    v = jsonschema.Draft202012Validator(schema)
    return [f"{e.json_path}: {e.message[:120]}" for e in v.iter_errors(data)]


def test_schema_command_prints_a_2020_12_schema_with_an_id():
    res = CliRunner().invoke(main, ["schema"])
    assert res.exit_code == 0
    schema = json.loads(res.output)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema" and schema["$id"] == SCENE_ID
    jsonschema.Draft202012Validator.check_schema(schema)
    res = CliRunner().invoke(main, ["schema", "--template"])
    tschema = json.loads(res.output)
    assert res.exit_code == 0 and tschema["$id"] == TEMPLATE_ID
    jsonschema.Draft202012Validator.check_schema(tschema)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scene_is_valid_under_the_schema(path):
    data, _ = parse(path.read_text(encoding="utf-8"))
    assert _errors(scene_schema(), data) == []


@pytest.mark.parametrize("path", TEMPLATES + SHIPPED[:3], ids=lambda p: p.name)
def test_every_shipped_template_is_valid_under_the_template_schema(path):
    data, _ = parse(path.read_text(encoding="utf-8"))
    assert _errors(template_schema(), data) == []


def test_every_field_has_a_description_with_units():
    from physreel.scene.models import _SHAPES

    schema = scene_schema()
    plugins = {m.__name__ for m in _SHAPES if not m.__module__.startswith("physreel.")}  # registered by tests
    assert [f for f in undocumented(schema) if f.split(".")[0] not in plugins] == []
    props = schema["properties"]
    assert "seconds" in props["duration"]["description"]
    assert "m/s" in schema["$defs"]["ObjectSpec"]["properties"]["velocity"]["description"]
    assert "240" in schema["$defs"]["Physics"]["properties"]["rate"]["description"]
    assert "seeds" in schema["$defs"]["Breakable"]["properties"]["pieces"]["description"]


def test_the_schema_rejects_what_the_loader_rejects():
    schema = scene_schema()
    ball = {"name": "b", "shape": {"type": "sphere", "radius": 0.1}}
    assert _errors(schema, {"objects": [ball]}) == []
    assert _errors(schema, {"objects": [{**ball, "color": "#ff8800"}]}) == []
    assert _errors(schema, {"objects": [{**ball, "color": "orange"}]})
    assert _errors(schema, {"objects": [{**ball, "color": [255, 0, 0]}]})
    assert _errors(schema, {"objects": [{**ball, "positon": [0, 0, 1]}]})
    assert _errors(schema, {"objects": [ball], "cameras": [{"look_at": "auto"}]}) == []
    template = template_schema()
    assert _errors(template, {"objects": [{**ball, "position": [0, 0, {"uniform": [1, 2]}]}]}) == []
    assert _errors(template, {"objects": [{**ball, "position": [0, 0, {"unifrom": [1, 2]}]}]})
