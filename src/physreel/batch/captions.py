"""Natural-language captions and timestamped event lists from a resolved scene and its events.

A caption says what physically happened in the clip, e.g. "A red rubber ball falls onto a
wooden floor and bounces three times while a glass cup shatters beside it."  It is built from

- the resolved scene (colours, materials, shapes, the ground's material, which objects are
  breakable),
- the event timeline of the render's ``metadata.json`` (``impact`` events with ``objects: [a, b]``
  and ``relative_speed``; ``break`` events with ``object`` and ``pieces``),
- optionally the per-frame trajectories in ``metadata["objects"]`` (to say "rolls", "slides",
  "topples").

Counting rules (documented because captions are labels):

- An impact "with the ground" is one whose other party is not a body of the clip (neither an
  object of the scene nor a fracture piece listed in the metadata).
- The first ground impact of an object is its landing; every later ground impact with a
  relative speed of at least ``min_bounce_speed`` (1.0 m/s, a hop of ~5 cm) that starts at
  least ``merge_window`` (0.05 s) after the previous one is a bounce.  Balls "bounce N times";
  other shapes with three or more bounces "tumble" (their edge hits are not clean bounces).
- An object "topples" when its up axis ends tilted more than 45 degrees from where it started;
  it "rolls" (round shapes) or "slides" (others) when its centre travels more than 0.2 m
  horizontally after its landing without toppling.

The wording is varied by a ``numpy.random.Generator`` (several phrasings per clause) and is
deterministic for a given generator state.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["caption", "color_name", "count_bounces", "describe_object", "events_text"]

MIN_BOUNCE_SPEED = 1.0  # m/s: a hop of v^2 / 2g = 5 cm
MERGE_WINDOW = 0.05  # s
_TOPPLE_DEG = 45.0
_TRAVEL_M = 0.2

# A small palette (sRGB 0-255); names are matched by nearest CIE Lab colour.
PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (200, 30, 30),
    "dark red": (120, 10, 20),
    "orange": (240, 130, 20),
    "yellow": (240, 220, 40),
    "olive": (128, 128, 20),
    "green": (40, 170, 50),
    "dark green": (20, 90, 30),
    "teal": (20, 140, 140),
    "cyan": (40, 210, 230),
    "blue": (30, 70, 210),
    "navy": (20, 30, 100),
    "purple": (120, 40, 170),
    "magenta": (220, 40, 200),
    "pink": (245, 150, 190),
    "brown": (120, 75, 35),
    "beige": (225, 205, 160),
    "white": (245, 245, 245),
    "light grey": (190, 190, 190),
    "grey": (128, 128, 128),
    "dark grey": (64, 64, 64),
    "black": (15, 15, 15),
}

_MATERIAL_ADJ = {
    "wood": "wooden",
    "rubber": "rubber",
    "steel": "steel",
    "metal": "metal",
    "glass": "glass",
    "plastic": "plastic",
    "ceramic": "ceramic",
    "ice": "ice",
    "concrete": "concrete",
}
_BRITTLE = {"glass", "ceramic", "ice"}
_ROUND = {"sphere", "cylinder", "capsule"}
_NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve".split()


# --------------------------------------------------------------------------------------------
# colour names


def _srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) sRGB in [0, 1] -> CIE Lab (D65)."""
    c = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = c @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


_PALETTE_NAMES = list(PALETTE)
_PALETTE_LAB = _srgb_to_lab(np.array(list(PALETTE.values()), dtype=float) / 255.0)


def _parse_color(color: Any) -> np.ndarray | None:
    """sRGB (3,) in [0, 1] from "#rrggbb", "#rgb", or a list of 3-4 numbers (0-1 or 0-255)."""
    if isinstance(color, str):
        s = color.strip().lstrip("#")
        if re.fullmatch(r"[0-9a-fA-F]{6}([0-9a-fA-F]{2})?", s):
            return np.array([int(s[i : i + 2], 16) for i in (0, 2, 4)], dtype=float) / 255.0
        if re.fullmatch(r"[0-9a-fA-F]{3}", s):
            return np.array([int(ch * 2, 16) for ch in s], dtype=float) / 255.0
        return None
    if isinstance(color, (list, tuple)) and len(color) in (3, 4):
        try:
            a = np.array(color[:3], dtype=float)
        except (TypeError, ValueError):
            return None
        if not np.all(np.isfinite(a)):
            return None
        return np.clip(a / 255.0 if a.max() > 1.0 else a, 0.0, 1.0)
    return None


def color_name(color: Any) -> str | None:
    """Nearest palette name of a colour (``"#rrggbb"``, RGB list, or a colour word).

    Returns None when the colour cannot be read.
    """
    if isinstance(color, str) and color.strip().replace(" ", "").isalpha():
        return color.strip().lower()
    rgb = _parse_color(color)
    if rgb is None:
        return None
    d = np.linalg.norm(_PALETTE_LAB - _srgb_to_lab(rgb), axis=-1)
    return _PALETTE_NAMES[int(np.argmin(d))]


# --------------------------------------------------------------------------------------------
# nouns and adjectives


def _material_adj(material: Any, scene: Mapping[str, Any]) -> str | None:
    if not isinstance(material, str):
        return None
    custom = (scene.get("materials") or {}).get(material)
    if isinstance(custom, Mapping) and isinstance(custom.get("base"), str):
        material = custom["base"]
    if material in _MATERIAL_ADJ:
        return _MATERIAL_ADJ[material]
    return material.replace("_", " ") if material.replace("_", "").isalpha() else None


def _base_material(material: Any, scene: Mapping[str, Any]) -> str | None:
    if not isinstance(material, str):
        return None
    custom = (scene.get("materials") or {}).get(material)
    if isinstance(custom, Mapping) and isinstance(custom.get("base"), str):
        return custom["base"]
    return material


def _noun(obj: Mapping[str, Any]) -> str:
    if isinstance(obj.get("class_name"), str) and obj["class_name"].strip():
        return obj["class_name"].strip()  # the scene's own word (library objects bring theirs)
    shape = obj.get("shape") or {}
    t = shape.get("type")
    name = str(obj.get("name", "")).lower()
    if "domino" in name:
        return "domino"
    if t == "sphere":
        return "ball"
    if t == "box":
        sx, sy, sz = (abs(float(v)) for v in shape.get("size", [1, 1, 1]))
        s = sorted((sx, sy, sz))
        if s[0] > 0 and s[2] / s[0] < 1.15:
            return "cube"
        if sz == s[0] and sz < 0.35 * s[1]:
            return "tile"  # thin along its own z: lies flat
        if sz == s[2] and min(sx, sy) < 0.35 * max(sx, sy) and sz > 1.5 * max(sx, sy):
            return "domino"  # thin and standing up
        if s[0] < 0.35 * s[1]:
            return "plank"
        return "block"
    if t in ("cylinder", "capsule", "cone"):
        return str(t)
    if t == "mesh":
        stem = Path(str(shape.get("file", "object"))).stem
        words = re.sub(r"([a-z])([A-Z])", r"\1 \2", stem)
        words = re.sub(r"[^A-Za-z]+", " ", words).strip().lower()
        return words or "object"
    return "object"


def describe_object(obj: Mapping[str, Any], scene: Mapping[str, Any],
                    record: Mapping[str, Any] | None = None) -> str:
    """Noun phrase without article: "red rubber ball".  ``record`` is the object's entry in the
    simulation record (metadata ``objects[name]``): its resolved ``material_preset`` names the
    material when the build step resolved it."""
    material = (record or {}).get("material_preset") or obj.get("material")
    parts = [color_name(obj.get("color")), _material_adj(material, scene), _noun(obj)]
    return " ".join(p for p in parts if p)


def _a(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def _times(n: int) -> str:
    if n == 1:
        return "once"
    if n == 2:
        return "twice"
    return f"{_number(n)} times"


def _number(n: int) -> str:
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


# --------------------------------------------------------------------------------------------
# facts from events and trajectories


def _ground_impacts(events: Sequence[Mapping[str, Any]], name: str, names: set[str]) -> list:
    out = []
    for ev in events:
        if ev.get("type") != "impact":
            continue
        pair = list(ev.get("objects") or [])
        if name in pair and len(pair) == 2:
            other = pair[1] if pair[0] == name else pair[0]
            if other not in names:
                out.append(ev)
    return sorted(out, key=lambda e: float(e.get("time", 0.0)))


def count_bounces(
    events: Sequence[Mapping[str, Any]],
    name: str,
    object_names: Sequence[str],
    *,
    min_speed: float = MIN_BOUNCE_SPEED,
    merge_window: float = MERGE_WINDOW,
) -> int:
    """Bounces of object ``name`` on the ground (see the module docstring for the rule).

    Parameters
    ----------
    events : list of dict
        The render's events; impacts need ``objects`` (two names), ``time`` (s) and
        ``relative_speed`` (m/s).
    name : str
        The object.
    object_names : list of str
        All body names (scene objects and fracture pieces); an impact partner not in it is
        the ground.
    """
    impacts = _ground_impacts(events, name, set(object_names))
    bounces = 0
    last = None
    for i, ev in enumerate(impacts):
        t = float(ev.get("time", 0.0))
        if last is not None and t - last < merge_window:
            last = t
            continue
        last = t
        if i > 0 and float(ev.get("relative_speed", math.inf)) >= min_speed:
            bounces += 1
    return bounces


def _object_track(metadata: Mapping[str, Any] | None, name: str) -> dict[str, np.ndarray] | None:
    if not metadata:
        return None
    rec = (metadata.get("objects") or {}).get(name)
    if not isinstance(rec, Mapping) or "position" not in rec:
        return None
    try:
        pos = np.asarray(rec["position"], dtype=float)
        quat = np.asarray(rec.get("quaternion"), dtype=float) if rec.get("quaternion") else None
    except (TypeError, ValueError):
        return None
    if pos.ndim != 2 or pos.shape[1] != 3 or len(pos) < 2:
        return None
    return {"position": pos, "quaternion": quat}


def _tilt_deg(q0: np.ndarray, q1: np.ndarray) -> float:
    from physreel.physics.trajectory import quat_to_matrix

    z0 = quat_to_matrix(q0)[:, 2]
    z1 = quat_to_matrix(q1)[:, 2]
    return math.degrees(math.acos(float(np.clip(z0 @ z1, -1.0, 1.0))))


def _starts_on_ground(obj: Mapping[str, Any]) -> bool:
    """Whether the object's bounding box touches the ground (z = 0) within 5 mm at the start."""
    from physreel.batch.placement import placed_box

    box = placed_box(obj, Path.cwd())
    return box is not None and bool(abs(box.lowest) < 0.005)


def _landing_frame(track: dict[str, np.ndarray] | None) -> int | None:
    """First frame whose vertical velocity rose (a contact pushed up), after a fall of at least
    5 cm; None when the object never fell."""
    if track is None:
        return None
    z = track["position"][:, 2]
    if not np.all(np.isfinite(z)) or len(z) < 3 or z[0] - np.min(z) < 0.05:
        return None
    vz = np.diff(z)
    rises = np.nonzero(vz[1:] > vz[:-1] + 1e-4)[0]
    return int(rises[0]) + 1 if len(rises) else None


def _motion(
    obj: Mapping[str, Any], track: dict[str, np.ndarray] | None, landing_frame: int
) -> str | None:
    """'topples', 'rolls', 'slides' or None, from the trajectory after ``landing_frame``."""
    if track is None:
        return None
    pos, quat = track["position"], track["quaternion"]
    ok = np.all(np.isfinite(pos), axis=1)
    if ok.sum() < 2:
        return None
    first, last = int(np.argmax(ok)), int(len(ok) - 1 - np.argmax(ok[::-1]))
    first = min(max(first, landing_frame), last)
    shape = (obj.get("shape") or {}).get("type")
    if quat is not None and quat.shape == (len(pos), 4) and shape not in ("sphere",):
        q0, q1 = quat[first], quat[last]
        if np.all(np.isfinite(q0)) and np.all(np.isfinite(q1)):
            if _tilt_deg(q0, q1) > _TOPPLE_DEG:
                return "topples"
    travel = float(np.linalg.norm(pos[last, :2] - pos[first, :2]))
    if travel > _TRAVEL_M:
        return "rolls" if shape in _ROUND else "slides"
    return None


# --------------------------------------------------------------------------------------------
# captions


def _floor_phrase(scene: Mapping[str, Any]) -> str | None:
    ground = scene.get("ground", {})
    if ground is False or (isinstance(ground, Mapping) and ground.get("enabled") is False):
        return None
    adj = _material_adj(ground.get("material"), scene) if isinstance(ground, Mapping) else None
    return f"{adj} floor" if adj else "floor"


def _breakable(obj: Mapping[str, Any]) -> bool:
    """Whether the scene made the object breakable (``breakable: true`` or a mapping)."""
    flag = obj.get("breakable")
    return isinstance(flag, Mapping) or flag is True


def _object_facts(scene, events, metadata) -> list[dict[str, Any]]:
    objects = [o for o in scene.get("objects") or [] if isinstance(o, Mapping)]
    names = [str(o.get("name")) for o in objects]
    # fracture pieces are objects of the metadata, not of the scene: never "the ground"
    pieces = [str(n) for n in ((metadata or {}).get("objects") or {}) if n not in names]
    bodies = names + pieces
    facts = []
    for obj in objects:
        if obj.get("static"):
            continue
        name = str(obj.get("name"))
        ground = _ground_impacts(events, name, set(bodies))
        breaks = [e for e in events if e.get("type") == "break" and e.get("object") == name]
        hits = [
            e
            for e in events
            if e.get("type") == "impact"
            and name in (e.get("objects") or [])
            and all(n in bodies for n in e.get("objects") or [])
        ]
        track = _object_track(metadata, name)
        record = ((metadata or {}).get("objects") or {}).get(name)
        preset = (record or {}).get("material_preset") or _base_material(obj.get("material"), scene)
        if _starts_on_ground(obj):  # standing objects (dominoes) topple, they do not land
            landing = None
        elif ground:
            landing = int(ground[0].get("frame", 0))
        else:
            landing = _landing_frame(track)
        f = {
            "name": name,
            "desc": describe_object(obj, scene, record),
            "noun": _noun(obj),
            "landed": landing is not None,
            "bounces": count_bounces(events, name, bodies),
            "broke": bool(breaks),
            "pieces": len(breaks[0].get("pieces") or []) if breaks else 0,
            "brittle": preset in _BRITTLE,
            "breakable": _breakable(obj),
            "hits": len(hits),
            "motion": _motion(obj, track, landing or 0),
        }
        f["score"] = (
            4 * f["broke"]
            + 2 * (f["breakable"] and not f["broke"])
            + min(f["bounces"], 3)
            + (f["motion"] is not None)
        )
        facts.append(f)
    return facts


def _predicate(f: Mapping[str, Any], floor: str | None, rng: np.random.Generator) -> str:
    """Verb phrase for one object: "falls onto a wooden floor and bounces three times"."""
    parts: list[str] = []
    if f["landed"] and floor:
        verb = ["falls onto", "drops onto", "lands on"][int(rng.integers(3))]
        parts.append(f"{verb} {_a(floor)}")
    elif f["landed"]:
        parts.append(["falls", "drops", "lands"][int(rng.integers(3))])
    if f["broke"]:
        verb = "shatters" if f["brittle"] else ["breaks", "breaks apart"][int(rng.integers(2))]
        if 2 <= f["pieces"] <= 20:
            verb += f" into {_number(f['pieces'])} pieces"
        elif f["pieces"] > 20:
            verb += " into many pieces"
        parts.append(verb)
    elif f["bounces"] >= 3 and f["noun"] != "ball":
        parts.append("tumbles")
    elif f["bounces"]:
        parts.append(f"bounces {_times(f['bounces'])}")
    tumbled = f["bounces"] >= 3 and f["noun"] != "ball"
    if f["motion"] and not f["broke"] and not (tumbled and f["motion"] == "topples"):
        parts.append(
            {"topples": "topples over", "rolls": "rolls away", "slides": "slides"}[f["motion"]]
        )
    if f["breakable"] and not f["broke"]:
        parts.append(
            ["stays intact", "does not break", "survives without breaking"][int(rng.integers(3))]
        )
    if not parts:
        parts.append("stays still" if not f["hits"] else "is knocked about")
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _dominoes(facts: list[dict[str, Any]], floor: str | None, rng) -> str | None:
    dom = [f for f in facts if f["noun"] == "domino"]
    if len(dom) < 3:
        return None
    fallen = sum(1 for f in dom if f["motion"] == "topples")
    desc = dom[0]["desc"].replace("domino", "dominoes")
    n = _cap(_number(len(dom)))
    where = ["standing in a row", "in a line", "lined up"][int(rng.integers(3))]
    if fallen == len(dom):
        tail = ["topple one after another", "fall over one by one", "topple in a chain reaction"]
        return f"{n} {desc} {where} {tail[int(rng.integers(3))]}."
    if fallen == 0:
        return f"{n} {desc} stand {where.replace('standing ', '')} and none of them falls over."
    return (
        f"{n} {desc} stand {where.replace('standing ', '')}; {_number(fallen)} of them fall over."
    )


def caption(
    scene: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    rng: np.random.Generator,
    *,
    metadata: Mapping[str, Any] | None = None,
) -> str:
    """A one-to-three sentence description of what happens in the clip.

    Parameters
    ----------
    scene : dict
        The resolved scene (``Scene.model_dump(mode="json")`` or a resolved template).
    events : list of dict
        The render's event timeline (``metadata["events"]``).
    rng : numpy.random.Generator
        Picks among phrasings; the same state gives the same caption.
    metadata : dict, optional
        The render's ``metadata.json``; its per-frame ``objects`` trajectories add "rolls",
        "slides" and "topples".

    Returns
    -------
    str
        E.g. "A red rubber ball falls onto a wooden floor and bounces three times while a
        glass cup shatters beside it."
    """
    floor = _floor_phrase(scene)
    facts = _object_facts(scene, events, metadata)
    people = [str(o.get("name")) for o in scene.get("objects") or []
              if isinstance(o, Mapping) and (o.get("shape") or {}).get("type") == "humanoid"]
    if people:  # people first; the objects they account for are not described again
        from .people_captions import people_sentences

        objs = {str(o.get("name")): o for o in scene.get("objects") or [] if isinstance(o, Mapping)}
        toppled = {f["name"] for f in facts if f["motion"] == "topples"}
        said, covered = people_sentences(
            scene, events, rng,
            lambda o: describe_object(o, scene, ((metadata or {}).get("objects") or {}).get(str(o.get("name")))),
            toppled)
        facts = [f for f in facts if f["name"] not in covered and f["name"] not in people]
        rest = [f for f in facts if f["score"] > 0 or f["landed"]]
        del objs
        if not rest:
            return " ".join(said)
        tail = caption({**scene, "objects": [o for o in scene.get("objects") or []
                                             if isinstance(o, Mapping) and str(o.get("name")) in {f["name"] for f in rest}]},
                       events, rng, metadata=metadata)
        return " ".join(said + [tail])
    if not facts:
        static = [o for o in scene.get("objects") or [] if isinstance(o, Mapping)]
        what = _a(describe_object(static[0], scene)) if static else "an empty scene"
        return _cap(f"{what} rests{' on ' + _a(floor) if floor else ''}; nothing moves.")
    sentences: list[str] = []
    chain = _dominoes(facts, floor, rng)
    if chain:
        sentences.append(chain)
        facts = [f for f in facts if f["noun"] != "domino"]
        if not facts:
            return " ".join(sentences)
    ranked = sorted(facts, key=lambda f: -f["score"])  # stable: ties keep scene order
    if len(facts) <= 3 and not chain:
        first = ranked[0]
        s = f"{_a(first['desc'])} {_predicate(first, floor, rng)}"
        if len(ranked) >= 2:
            other = ranked[1]
            floor2 = None if first["landed"] else floor
            link = ["while", "as"][int(rng.integers(2))]
            beside = ["beside it", "nearby", "next to it"][int(rng.integers(3))]
            pred = _predicate(other, floor2, rng)
            s += f" {link} {_a(other['desc'])} {pred}"
            if other["landed"] or other["broke"]:
                s += f" {beside}"
        sentences.append(_cap(s) + ".")
        for f in ranked[2:]:
            sentences.append(_cap(f"{_a(f['desc'])} {_predicate(f, None, rng)}") + ".")
        return " ".join(sentences)
    if not chain:
        n = len(facts)
        verb = ["fall onto", "are dropped onto", "tumble onto"][int(rng.integers(3))]
        where = f" {verb} {_a(floor)}" if floor else " fall"
        sentences.append(_cap(f"{_number(n)} objects{where}") + ".")
    notable = [f for f in ranked if f["score"] > 0][:3]
    for f in notable:
        sentences.append(_cap(f"{_a(f['desc'])} {_predicate(f, None, rng)}") + ".")
    return " ".join(sentences)


def events_text(events: Sequence[Mapping[str, Any]]) -> str:
    """A timestamped event list, one event per line (empty string when there are none).

    Line format: ``t=0.417s frame=10 impact ball_0 <-> ground speed=3.10m/s impulse=0.520N*s``.
    """
    lines = []
    for ev in sorted(events, key=lambda e: (float(e.get("time", 0.0)), int(e.get("frame", 0)))):
        t = float(ev.get("time", 0.0))
        head = f"t={t:.3f}s frame={int(ev.get('frame', 0))} {ev.get('type', 'event')}"
        body = []
        if ev.get("objects"):
            body.append(" <-> ".join(str(n) for n in ev["objects"]))
        if ev.get("object") is not None:
            body.append(str(ev["object"]))
        if ev.get("type") == "break" and ev.get("pieces") is not None:
            body.append(f"-> {len(ev['pieces'])} pieces")
        if ev.get("relative_speed") is not None:
            body.append(f"speed={float(ev['relative_speed']):.2f}m/s")
        if ev.get("impulse") is not None:
            body.append(f"impulse={float(ev['impulse']):.3f}N*s")
        skip = {"type", "time", "frame", "objects", "object", "pieces", "relative_speed", "impulse"}
        for k in sorted(set(ev) - skip):
            v = ev[k]
            if isinstance(v, (str, int, float, bool)):
                body.append(f"{k}={v}")
        lines.append(" ".join([head, *body]))
    return "\n".join(lines) + ("\n" if lines else "")
