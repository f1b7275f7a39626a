"""Caption sentences about people: what they do (their clips), what they strike, what strikes
them, what they wear and what falls off.

"A person walks and then kicks a red rubber ball, which knocks over two wooden cubes."  Facts
come from the resolved scene (clips, attachments, descriptions) and the event timeline:
``impact`` events whose parties are a person's parts (``alice.right_foot``), ``ragdoll`` and
``detach`` events.  Wording varies with the generator and is deterministic for its state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

_VERBS = {
    "walk": "walks", "run": "runs", "jump": "jumps", "kick": "kicks", "punch": "punches",
    "spinkick": "does a spinning kick", "backflip": "does a backflip", "cartwheel": "does a cartwheel",
    "roll": "rolls on the floor", "crawl": "crawls", "dance_a": "dances", "dance_b": "dances",
    "getup_faceup": "gets up from the floor", "getup_facedown": "gets up from the floor",
    "spin": "spins around",
}
_STRIKES = {"kick": "kicks", "spinkick": "kicks", "punch": "punches"}


def person_of(body: str, people: set[str]) -> str | None:
    """The person a body belongs to (``alice.right_foot`` -> ``alice``), or None."""
    head = body.split(".", 1)[0]
    return head if head in people else None


def people_sentences(scene: Mapping[str, Any], events: Sequence[Mapping[str, Any]],
                     rng: np.random.Generator, describe, toppled: set[str] = frozenset()) -> tuple[list[str], set[str]]:
    """Sentences about the scene's people and the objects they account for.

    Parameters
    ----------
    scene : resolved scene dict; events : the event timeline; rng : phrasing choices
    describe : ``describe(obj) -> str`` noun phrase of a scene object ("red rubber ball")
    toppled : objects that ended up toppled over (to say "knocks over" rather than "hits")

    Returns
    -------
    sentences : list of str
    covered : names of objects the sentences already say everything about (worn things)
    """
    objects = [o for o in scene.get("objects") or [] if isinstance(o, Mapping)]
    by_name = {str(o.get("name")): o for o in objects}
    plain = describe

    def describe(o):  # noqa: F811 - a worn "helmet" is a helmet, not a ball
        text = plain(o)
        cls = o.get("class_name")
        if cls and (o.get("shape") or {}).get("type") in ("sphere", "box", "cylinder", "capsule", "cone"):
            words = text.split()
            return " ".join(words[:-1] + [str(cls)])
        return text

    people = [o for o in objects if (o.get("shape") or {}).get("type") == "humanoid"]
    names = {str(o["name"]) for o in people}
    out: list[str] = []
    covered: set[str] = set()
    many = len(people) > 1
    skip_people: set[str] = set()
    sentences: dict[str, str] = {}
    for k, person in enumerate(people):
        name = str(person["name"])
        who = _subject(person, k, many)
        worn = [o for o in objects if isinstance(o.get("attach"), Mapping) and o["attach"].get("to") == name]
        wearing = ""
        if worn:
            wearing = " " + ["wearing", "with"][int(rng.integers(2))] + " " + _a(describe(worn[0]))
        clips = [str(m.get("clip")) for m in person.get("motion") or [] if isinstance(m, Mapping)]
        verbs = []
        for c in clips:
            v = _VERBS.get(c.split("/")[-1].rsplit(".", 1)[0].removeprefix("humanoid3d_"), "moves")
            if not verbs or verbs[-1] != v:
                verbs.append(v)
        struck = _struck(events, name, names, by_name, {str(o["name"]) for o in worn})
        victims = [str(e["object"]) for e in events if e.get("type") == "ragdoll" and e.get("cause") == "impact"
                   and person_of(str(e.get("by", "")), names) == name and str(e.get("object")) != name]
        if victims:
            whom = " and ".join(_subject(by_name[v], 1, True) for v in victims)
            if verbs and verbs[-1] in _STRIKES.values():
                verbs[-1] = f"{verbs[-1]} {whom}, who falls to the ground"
            else:
                verbs.append(f"knocks down {whom}")
            skip_people.update(victims)
        elif struck and verbs and verbs[-1] in _STRIKES.values():
            verbs[-1] = f"{verbs[-1]} {_a(describe(by_name[struck]))}"
        elif struck:
            verbs.append(f"hits {_a(describe(by_name[struck]))}")
        if not verbs:
            verbs = ["stands still" if not _limp(events, name) else "stands"]
        action = verbs[0] if len(verbs) == 1 else ", ".join(verbs[:-1]) + " and then " + verbs[-1]
        s = f"{who}{wearing} {action}"
        if struck:
            knocked = _knocked(events, struck, names, by_name, covered | {struck})
            if knocked:
                verb = "knocks over" if set(knocked) <= set(toppled) else "hits"
                s += f", which {verb} {_count_phrase([by_name[n] for n in knocked], describe)}"
                covered |= set(knocked)
        limp = _limp(events, name)
        if limp is not None and person_of(str(limp.get("by", "")), names) is not None:
            limp = None  # told in the striker's sentence
        if limp is not None:
            by = limp.get("by")
            other = person_of(str(by), names) if by else None
            if limp.get("cause") == "impact" and other:
                s += f"; {_the(people, other, names)} " + ["strikes them", "hits them"][int(rng.integers(2))] + \
                     " and they fall to the ground"
            elif limp.get("cause") == "impact" and by in by_name:
                s += f"; {_a(describe(by_name[by]))} hits them and they fall to the ground"
            else:
                s += ["; then they collapse to the floor", "; then they go limp and fall"][int(rng.integers(2))]
        for ev in events:
            if ev.get("type") == "detach" and ev.get("from") == name and ev.get("object") in by_name:
                thing = str(ev["object"])
                hitter = _hit_by(events, thing, float(ev.get("time", 0.0)), names, by_name)
                if hitter is not None:
                    noun = describe(by_name[thing]).split()[-1]
                    s += f" until {_a(describe(by_name[hitter]))} knocks the {noun} off"
                    covered.add(hitter)
                else:
                    s += f", and their {describe(by_name[thing])} " + ["is knocked off", "falls off"][int(rng.integers(2))]
                covered.add(thing)
        sentences[name] = _cap(s) + "."
        covered |= {str(o["name"]) for o in worn}
        if struck:
            covered.add(struck)
    out = [text for who, text in sentences.items() if who not in skip_people
           or by_name[who].get("motion")]
    return out, covered


def _subject(person: Mapping[str, Any], k: int, many: bool) -> str:
    noun = person.get("class_name") or "person"
    if noun == "person" and (person.get("shape") or {}).get("skin"):
        noun = "character"
    first = ["a", "another"][min(k, 1)] if many else "a"
    return f"{first} {noun}" if first != "a" else _a(noun)


def _the(people, name: str, names: set[str]) -> str:
    for o in people:
        if str(o.get("name")) == name:
            return "the other " + str(o.get("class_name") or "person")
    return "someone"


def _struck(events, name: str, people: set[str], by_name, worn: set[str]) -> str | None:
    """The first scene object (not a person, not worn by them) one of the person's parts hit."""
    for ev in sorted(events, key=lambda e: float(e.get("time", 0.0))):
        pair = [str(n) for n in ev.get("objects") or []]
        if ev.get("type") != "impact" or len(pair) != 2:
            continue
        mine = [n for n in pair if person_of(n, people) == name]
        other = [n for n in pair if person_of(n, people) is None and n in by_name and n not in worn]
        if mine and other:
            return other[0]
    return None


def _hit_by(events, thing: str, when: float, people: set[str], by_name) -> str | None:
    """The scene object that hit ``thing`` at (about) ``when``."""
    for ev in events:
        pair = [str(n) for n in ev.get("objects") or []]
        if ev.get("type") == "impact" and thing in pair and len(pair) == 2 and abs(float(ev.get("time", 0)) - when) < 0.05:
            other = pair[1] if pair[0] == thing else pair[0]
            if other in by_name and person_of(other, people) is None:
                return other
    return None


def _knocked(events, struck: str, people: set[str], by_name, skip: set[str]) -> list[str]:
    """The scene objects the struck object hits afterwards."""
    hit = []
    for ev in events:
        pair = [str(n) for n in ev.get("objects") or []]
        if ev.get("type") == "impact" and struck in pair and len(pair) == 2:
            other = pair[1] if pair[0] == struck else pair[0]
            if other in by_name and other not in skip and person_of(other, people) is None and other not in hit \
                    and not by_name[other].get("static"):
                hit.append(other)
    return hit


def _count_phrase(objs, describe) -> str:
    descs = [describe(o) for o in objs]
    if len(set(descs)) == 1 and len(descs) > 1:
        plural = descs[0] + ("es" if descs[0].endswith(("s", "x", "ch")) else "s")
        return f"{_NUM.get(len(descs), str(len(descs)))} {plural}"
    return _a(descs[0]) if len(descs) == 1 else ", ".join(_a(d) for d in descs[:-1]) + " and " + _a(descs[-1])


def _limp(events, name: str):
    return next((e for e in events if e.get("type") == "ragdoll" and e.get("object") == name), None)


def _a(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


_NUM = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}
