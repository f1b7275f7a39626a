"""The event timeline for people: what happened when, one line per moment.

Events of the pieces of one broken object that happen in the same frame (146 shards entering a
camera's view) become one line; everything else is one line per event.  Used by
``physreel simulate`` and the HTML preview; ``metadata.json`` keeps every event as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def timeline(events: Sequence[Mapping[str, Any]], parents: Mapping[str, str] | None = None) -> list[dict]:
    """Rows ``{time, frame, type, text, count}`` in time order.

    Parameters
    ----------
    events : the ``events`` of a simulation record or ``metadata.json``
    parents : piece name -> the object it broke off (``metadata["objects"][name]["parent"]``);
        without it a piece's parent is read from its name (``glass.piece_007`` -> ``glass``)
    """
    parents = dict(parents or {})
    rows: list[dict] = []
    groups: dict[tuple, dict] = {}
    for ev in sorted(events, key=lambda e: (float(e.get("time", 0.0)), str(e.get("type", "")))):
        kind = str(ev.get("type", "event"))
        obj = ev.get("object")
        if kind == "impact" and ev.get("objects"):
            a, b = (list(ev["objects"]) + ["?", "?"])[:2]
            parent, other = _parent(a, parents), b
            if parent is None and _parent(b, parents) is not None:
                parent, other = _parent(b, parents), a
        else:
            parent = _parent(obj, parents) if isinstance(obj, str) else None
            other = ev.get("camera")
        if parent is not None and kind in ("enter", "exit", "rest", "impact"):
            key = (kind, int(ev.get("frame", 0)), parent, other)
            if key not in groups:
                groups[key] = _row(ev, kind, "")
                groups[key]["count"] = 0
                groups[key]["speed"] = 0.0
                rows.append(groups[key])
            row = groups[key]
            row["count"] += 1
            row["speed"] = max(row["speed"], float(ev.get("relative_speed") or 0.0))
            row["text"] = _pieces_text(kind, parent, row["count"], other, row["speed"])
            continue
        rows.append(_row(ev, kind, describe(ev)))
    for row in rows:
        row.pop("speed", None)
    return rows


def _row(ev: Mapping[str, Any], kind: str, text: str) -> dict:
    return {"time": float(ev.get("time", 0.0)), "frame": int(ev.get("frame", 0)), "type": kind,
            "text": text, "count": 1}


def _parent(name: str, parents: Mapping[str, str]) -> str | None:
    if name in parents:
        return parents[name]
    head, sep, tail = name.rpartition(".piece_")
    return head if sep and tail.isdigit() else None


def _pieces_text(kind: str, parent: str, n: int, other: Any, speed: float = 0.0) -> str:
    what = f"{n} piece{'s' if n != 1 else ''} of {parent}"
    s = "s" if n == 1 else ""
    if kind == "rest":
        return f"{what} come{s} to rest"
    if kind == "impact":
        target = "the floor" if other == "ground" else str(other)
        return f"{what} hit{s} {target}" + (f" (up to {speed:.2f} m/s)" if speed else "")
    verb = "enter" if kind == "enter" else "leave"
    return f"{what} {verb}{s} camera '{other}'"


def describe(ev: Mapping[str, Any]) -> str:
    """One event as a short sentence, e.g. ``ball hits floor at 3.10 m/s (0.520 N·s)``."""
    kind = ev.get("type")
    if kind == "impact":
        objs = list(ev.get("objects") or ["?", "?"])
        a, b = (objs + ["?", "?"])[:2]
        b = "the floor" if b == "ground" else b
        a = "the floor" if a == "ground" else a
        speed = ev.get("relative_speed")
        imp = ev.get("impulse")
        extra = f" at {float(speed):.2f} m/s" if speed is not None else ""
        extra += f" ({float(imp):.3f} N·s)" if imp is not None else ""
        return f"{a} hits {b}{extra}"
    if kind == "break":
        n = len(ev.get("pieces") or [])
        return f"{ev.get('object')} breaks into {n} pieces"
    if kind == "rest":
        return f"{ev.get('object')} comes to rest"
    if kind in ("enter", "exit"):
        verb = "enters" if kind == "enter" else "leaves"
        return f"{ev.get('object')} {verb} camera '{ev.get('camera')}'"
    skip = {"type", "time", "frame"}
    fields = ", ".join(f"{k}={v}" for k, v in ev.items() if k not in skip and isinstance(v, (str, int, float)))
    return f"{kind} {fields}".strip()


def format_timeline(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows as aligned text: ``  0.417 s  frame  10  impact  ball hits the floor ...``."""
    if not rows:
        return "  (no events)"
    width = max(len(str(r["type"])) for r in rows)
    return "\n".join(f"  {r['time']:7.3f} s  frame {r['frame']:4d}  {str(r['type']):<{width}}  {r['text']}"
                     for r in rows)
