"""Reading YAML/JSON scene files with the line number of every value.

ruamel.yaml's round-trip loader keeps positions and never constructs arbitrary Python objects
(unknown tags become plain data).  JSON is read by the same loader (JSON is YAML 1.2).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

Loc = tuple[Any, ...]
Positions = dict[Loc, tuple[int, int]]


class YamlSyntaxError(Exception):
    """Malformed YAML/JSON; ``line`` and ``column`` are 1-based when known."""

    def __init__(self, message: str, line: int | None, column: int | None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def parse(text: str) -> tuple[Any, Positions]:
    """Parse YAML or JSON text.

    Returns
    -------
    data : plain Python data (dict, list, str, int, float, bool, None)
    positions : dict mapping a location tuple (keys and list indices) to 1-based (line, column)
    """
    yaml = YAML(typ="rt")
    try:
        doc = yaml.load(io.StringIO(text))
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        msg = " ".join(str(x) for x in (e.context, e.problem) if x)
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        raise YamlSyntaxError(f"malformed YAML: {msg}", line, col) from None
    except YAMLError as e:
        raise YamlSyntaxError(f"malformed YAML: {e}", None, None) from None
    positions: Positions = {}
    data = _plain(doc, (), positions)
    return data, positions


def _plain(node: Any, loc: Loc, positions: Positions) -> Any:
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            k = _plain_scalar(key)
            try:
                kl, kc, vl, vc = node.lc.key(key) + node.lc.value(key)
                positions[loc + (k,)] = (kl + 1, kc + 1)
            except (KeyError, TypeError, AttributeError):
                pass
            out[k] = _plain(value, loc + (k,), positions)
        return out
    if isinstance(node, CommentedSeq):
        out = []
        for i, value in enumerate(node):
            try:
                ln, col = node.lc.item(i)
                positions[loc + (i,)] = (ln + 1, col + 1)
            except (KeyError, TypeError, AttributeError):
                pass
            out.append(_plain(value, loc + (i,), positions))
        return out
    return _plain_scalar(node)


def _plain_scalar(v: Any) -> Any:
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str(v)
    if v is None:
        return None
    if isinstance(v, (CommentedMap, CommentedSeq)):
        return _plain(v, (), {})
    # Tagged or unusual scalars (timestamps, !!binary, custom tags) stay inert: as their text.
    return str(v)


def position_of(positions: Positions, loc: Loc) -> tuple[int | None, int | None]:
    """Line/column of ``loc``, or of its nearest ancestor that has one."""
    loc = tuple(loc)
    while loc:
        if loc in positions:
            return positions[loc]
        loc = loc[:-1]
    return (1, 1) if positions else (None, None)


def dump(data: Any) -> str:
    """Dump plain data as block-style YAML (keys in insertion order)."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None
    yaml.sort_base_mapping_type_on_output = False
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def relative_paths(data: Any, folder: str | os.PathLike) -> Any:
    """A copy of ``data`` in which every absolute path of an existing file (mesh files,
    textures) is written relative to ``folder``, so that a scene written into ``folder`` keeps
    working when the folder is moved together with its assets (relative paths in a scene are
    relative to the scene file's folder)."""
    base = os.path.realpath(folder)

    def walk(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, str) and os.path.isabs(v) and os.path.isfile(v):
            try:
                return Path(os.path.relpath(os.path.realpath(v), base)).as_posix()
            except ValueError:  # another drive (Windows): keep it absolute
                return v
        return v

    return walk(data)
