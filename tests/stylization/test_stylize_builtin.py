"""Built-in stylizers: toon and lineart draw what the geometry says."""

from __future__ import annotations

import numpy as np

from physreel.outputs.control import edges_geometric
from physreel.stylization.lineart import LineArt
from physreel.stylization.source import RenderFrames
from physreel.stylization.toon import DEFAULT_KEY, Toon, key_light_direction

RUBBER = np.array([0xBF, 0x1F, 0x1A], np.float32)  # the ball's material colour (sRGB)


def test_toon_paints_objects_in_flat_material_colour_bands(render_dir):
    fr = RenderFrames(render_dir)
    toon = Toon(bands=3, shadow_level=0.4, outline=0)
    toon.prepare(fr)
    b = fr.bundle(12, toon.needs)
    img = toon(b)
    ball = b["segmentation"] == 2
    colours = np.unique(img[ball].reshape(-1, 3), axis=0)
    assert 2 <= len(colours) <= 3  # a few flat bands, not smooth shading
    # every band is the material colour times one band level
    levels = np.linspace(0.4, 1.0, 3)
    for c in colours:
        assert min(np.abs(c - RUBBER * lv).max() for lv in levels) <= 1.0
    # the band facing the key light is the brightest: compare normals of the two extremes
    to_light = -(b.view.world_to_camera[:3, :3] @ key_light_direction({}))
    ndl = b["normals"][ball] @ to_light
    lum = img[ball].astype(float).sum(axis=1)
    assert ndl[lum == lum.max()].mean() > ndl[lum == lum.min()].mean() + 0.3
    # the sky is one flat colour
    sky = b["segmentation"] == 0
    assert len(np.unique(img[sky].reshape(-1, 3), axis=0)) == 1


def test_toon_outlines_are_the_geometric_edges(render_dir):
    fr = RenderFrames(render_dir)
    toon = Toon(outline=1, outline_color=(1, 2, 3))
    toon.prepare(fr)
    b = fr.bundle(6, toon.needs)
    img = toon(b)
    edges = edges_geometric(b["segmentation"], b["depth"], b["normals"], K=b.view.K) > 0
    assert edges.sum() > 50
    assert ((img == [1, 2, 3]).all(-1) == edges).all()


def test_default_key_light_is_the_renderers(render_dir):
    """toon keeps a copy of the default rig's key light (to stay free of the renderer's imports)."""
    from types import SimpleNamespace

    from physreel.rendering.renderer import default_lights

    key = default_lights(SimpleNamespace(render=SimpleNamespace(shadows=True)))[0]
    assert tuple(key.direction) == DEFAULT_KEY
    scene = {"lights": [{"type": "point", "position": [0, 0, 3]}, {"type": "directional", "direction": [0, 0, -2]}]}
    assert np.allclose(key_light_direction(scene), [0, 0, -1])


def test_lineart_draws_ink_on_the_edges_only(render_dir):
    fr = RenderFrames(render_dir)
    la = LineArt(width=1)
    b = fr.bundle(3, la.needs)
    img = la(b)
    edges = edges_geometric(b["segmentation"], b["depth"], b["normals"], K=b.view.K) > 0
    assert ((img == 0).all(-1) == edges).all()
    assert ((img == 255).all(-1) == ~edges).all()
    thick = LineArt(width=3)(b)
    ink = (thick == 0).all(-1)
    assert ink[edges].all() and 1.8 * edges.sum() < ink.sum() < 5 * edges.sum()
