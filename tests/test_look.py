"""The look of the colour image (issue 12): exact colours, the floor at its albedo, highlights
that roll off, the sky and its light, haze, glass, floor patterns, ambient occlusion, motion
blur, depth of field, soft shadows, what holds things -- and ground truth that none of it
touches."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest

import physreel
import physreel.rendering.stream
from conftest import scene_dict
from physreel.colors import srgb_to_linear

LUMA = np.array([0.2126, 0.7152, 0.0722])
GT = ("depth", "segmentation", "normals", "flow_forward")


def frame(data, passes=("rgb", "segmentation"), index=0):
    """The bundle of frame ``index`` of a scene dict."""
    for b in physreel.render(data, list(passes)):
        if b.frame == index:
            return b
    raise AssertionError("no such frame")


def linear(rgb):
    return srgb_to_linear(np.asarray(rgb, dtype=np.float64) / 255.0)


def hue_deg(c) -> float:
    return colorsys.rgb_to_hsv(*np.asarray(c, dtype=np.float64))[0] * 360.0


# ---------------------------------------------------------------------------- colours
@pytest.mark.parametrize("look", ["fast", "standard"])
@pytest.mark.parametrize("colour,expected", [("#808080", (128, 128, 128)), ("#3a7bd5", (0x3A, 0x7B, 0xD5))])
def test_a_background_colour_renders_exactly(look, colour, expected):
    # the linear value used to be written out: #808080 came out (55, 55, 55)
    b = frame(scene_dict([{"name": "ball", "shape": {"type": "sphere", "radius": 0.3}, "position": [0, 0, 0.3]}],
                         background=colour, duration=0.1, render={"look": look}))
    sky = b["segmentation"] == 0
    assert sky.sum() > 300
    assert (b["rgb"][sky] == np.array(expected, dtype=np.uint8)).all()


def test_the_tone_curve_keeps_albedos_and_rolls_highlights_off():
    from physreel.rendering.tonemap import SHOULDER, inverse_tone_map, to_display, tone_map

    x = np.random.default_rng(1).uniform(0.0, SHOULDER, (1000, 3))
    assert np.allclose(tone_map(x), x)  # an albedo lit at the rig's level is its own colour
    bright = np.array([[1.0, 0.5, 0.2], [3.0, 1.5, 0.6], [30.0, 15.0, 6.0]])
    out = tone_map(bright)
    assert (out.max(axis=1) < 1.0).all() and np.all(np.diff(out[:, 0]) > 0)  # compressed, never clipped
    assert np.allclose(out / out[:, :1], bright / bright[:, :1])  # hue and saturation kept
    y = np.random.default_rng(2).uniform(0.0, 0.999, (1000, 3))
    assert np.allclose(tone_map(inverse_tone_map(y)), y, atol=1e-9)
    grey = to_display(np.array([[v, v, v] for v in (1.0, 2.0, 4.0, 8.0)]))[:, 0].astype(int)
    assert np.all(np.diff(grey) > 0) and grey[-1] < 255, grey  # 1, 2, 4, 8 x white stay apart


def test_the_shaders_srgb_encoding_is_exact_to_the_byte():
    # glsl/color.glsl computes the power part of the sRGB curve as a fit; it must round to the
    # exact bytes for every value an 8-bit colour decodes to, and be within 0.01 level anywhere
    from physreel.colors import linear_to_srgb

    def fit(c):
        s1 = np.sqrt(c)
        s2, s3 = np.sqrt(s1), np.sqrt(np.sqrt(s1))
        hi = (0.713410063 * s1 + 0.590833978 * s2 - 0.247356685 * s3 - 0.0468097863 * c - 0.0187701362
              + 0.00870002426 * c * s1)
        return np.where(c < 0.0031308, 12.92 * c, hi)

    c = np.linspace(0.0, 1.0, 200001)
    assert np.abs(fit(c) - linear_to_srgb(c)).max() * 255 < 0.01
    levels = srgb_to_linear(np.arange(256) / 255.0)
    assert (np.round(fit(levels) * 255) == np.arange(256)).all()


@pytest.mark.parametrize("colour", ["#8c6a4a", "#808080", "#b0a090", "#4a6a8c"])
def test_a_large_lit_floor_renders_near_its_albedo(colour):
    # default rig and sky, camera looking down at 45 degrees onto a plain floor
    b = frame(scene_dict([], duration=0.1, resolution=[96, 72], ground={"texture": "plain", "colors": [colour, colour]},
                         cameras=[{"position": [0, -3, 3], "look_at": [0, 0, 0], "fov": 40}]))
    got = linear(b["rgb"][20:52, 30:66].reshape(-1, 3)).mean(axis=0)
    albedo = srgb_to_linear(physreel.colors.parse_color(colour))
    assert 0.8 < (got @ LUMA) / (albedo @ LUMA) < 1.2, (got, albedo)
    if np.ptp(albedo) > 0.05:  # a coloured floor keeps its hue
        assert abs(hue_deg(got) - hue_deg(albedo)) < 10, (hue_deg(got), hue_deg(albedo))


def test_exposure_brightens_by_stops_and_highlights_roll_off():
    # a white floor at +0, +1, +2, +3 EV: brighter each time, never flat 255
    values = []
    for ev in (0, 1, 2, 3):
        b = frame(scene_dict([], duration=0.1, resolution=[48, 36], ground={"texture": "plain", "colors": ["#e0e0e0"] * 2},
                             render={"exposure": ev}, cameras=[{"position": [0, -2, 2], "look_at": [0, 0, 0], "fov": 30}]))
        values.append(float(b["rgb"][10:26, 14:34].mean()))
    assert all(a < b for a, b in zip(values, values[1:], strict=False)), values
    assert values[-1] < 254.5


# ---------------------------------------------------------------------------- sky and haze
def test_the_default_sky_is_a_gradient_with_a_sun_and_the_floor_melts_into_its_horizon():
    cam = {"position": [0, -4, 1.0], "look_at": [0, 10, 1.3], "fov": 60}
    b = frame(scene_dict([], duration=0.1, resolution=[160, 120], cameras=[cam]))
    rgb, seg = b["rgb"].astype(float), b["segmentation"]
    sky_rows = [r for r in range(120) if (seg[r] == 0).all()]
    top, low = rgb[sky_rows[0]].mean(axis=0), rgb[sky_rows[-1]].mean(axis=0)
    assert top[2] > top[0] + 30 and low.mean() > top.mean() + 10  # blue above, pale at the horizon
    # the far floor, just under the horizon, is within a few levels of the sky just above it
    floor_rows = [r for r in range(120) if (seg[r] == 1).all()]
    assert abs(rgb[floor_rows[0]].mean(axis=0) - low).max() < 6, (rgb[floor_rows[0]].mean(axis=0), low)


def test_the_procedural_sun_is_drawn_where_the_key_light_comes_from():
    # the default key light travels along (-0.45, 0.6, -1): the sun is at (0.45, -0.6, 1)
    sun = np.array([0.45, -0.6, 1.0]) / np.linalg.norm([0.45, -0.6, 1.0])
    cam = {"position": [0, 0, 1.0], "look_at": (np.array([0, 0, 1.0]) + sun).tolist(), "fov": 6}
    b = frame(scene_dict([], duration=0.1, resolution=[64, 64], cameras=[cam]))
    assert (b["rgb"][28:36, 28:36] >= 240).all()  # the centre of the image is the sun (1.5 degrees)
    assert b["rgb"][2, 2].min() < 240  # the sky around it is not


def _hdr(path, sun=True):
    """An equirectangular test sky: a blue gradient, brown ground, a small bright sun."""
    from physreel.rendering.hdr import write_hdr
    from physreel.rendering.sky import equirect_directions

    d, _ = equirect_directions(64, 128)
    z = d[..., 2:3]
    img = np.where(z > 0, np.array([0.25, 0.45, 0.9]) * (0.6 + 0.4 * (1 - z)), np.array([0.35, 0.25, 0.15]))
    s = np.array([0.5, -0.3, 0.6]) / np.linalg.norm([0.5, -0.3, 0.6])
    if sun:
        img = img + (np.arccos(np.clip(d @ s, -1, 1)) < np.radians(3.0))[..., None] * 2000.0
    write_hdr(path, img)
    return s


def test_radiance_files_read_back_flat_and_run_length_encoded(tmp_path):
    from physreel.rendering.hdr import read_hdr, write_hdr

    img = np.random.default_rng(0).uniform(0.0, 40.0, (5, 20, 3)).astype(np.float32)
    img[:, 3:12] = img[:, 3:4]  # runs
    write_hdr(tmp_path / "flat.hdr", img)
    flat = read_hdr(tmp_path / "flat.hdr")
    assert (np.abs(flat - img) <= img.max(axis=2, keepdims=True) / 128).all()  # 8-bit mantissas
    # the same pixels, each scanline run-length encoded per channel (2, 2, width, then runs)
    raw = (tmp_path / "flat.hdr").read_bytes()
    head, body = raw[: raw.index(b"+X 20\n") + 6], np.frombuffer(raw[raw.index(b"+X 20\n") + 6:], np.uint8)
    rows = body.reshape(5, 20, 4)
    out = bytearray(head)
    for row in rows:
        out += bytes([2, 2, 0, 20])
        for c in range(4):
            vals, x = row[:, c], 0
            while x < 20:
                n = 1
                while x + n < 20 and n < 127 and vals[x + n] == vals[x]:
                    n += 1
                if n > 2:
                    out += bytes([128 + n, vals[x]])
                else:
                    n = 1
                    out += bytes([1, vals[x]])
                x += n
    (tmp_path / "rle.hdr").write_bytes(bytes(out))
    assert np.array_equal(read_hdr(tmp_path / "rle.hdr"), flat)


def test_an_hdr_sky_is_seen_lights_the_scene_and_shines_in_metal(tmp_path):
    _hdr(tmp_path / "sky.hdr")
    objects = [{"name": "ball", "shape": {"type": "sphere", "radius": 0.3}, "position": [0, 0, 0.3], "static": True,
                "material": "steel", "metallic": 1.0, "roughness": 0.05},
               {"name": "box", "shape": {"type": "box", "size": [0.3, 0.3, 0.6]}, "position": [0.9, 0.4, 0.3],
                "static": True}]
    data = scene_dict(objects, duration=0.1, resolution=[128, 96], sky={"type": "hdri", "file": str(tmp_path / "sky.hdr")},
                      cameras=[{"position": [0, -2.6, 0.9], "look_at": [0.2, 0, 0.35], "fov": 50}])
    b = frame(data)
    rgb, seg = b["rgb"].astype(float), b["segmentation"]
    sky = rgb[seg == 0]
    assert sky[:, 2].mean() > sky[:, 0].mean() + 20  # the image's blue sky is the background
    ball = seg == 2
    rows = np.nonzero(ball.any(axis=1))[0]
    top = rgb[rows[0]:rows[0] + 4][ball[rows[0]:rows[0] + 4]].mean(axis=0)
    assert top[2] > top[0] + 25  # the mirror ball's top reflects the blue sky
    bottom = rgb[rows[-4]:rows[-1] + 1][ball[rows[-4]:rows[-1] + 1]].mean(axis=0)
    assert bottom.mean() > top.mean() + 20 and bottom[2] - bottom[0] < 15  # ... its bottom the lit grey floor
    # the image's sun became the key light: the box throws a shadow away from it
    from physreel.rendering.lighting import scene_lighting

    light = scene_lighting(physreel.load_scene(data), np.full(3, 0.3), 2.0, 1.0)
    assert light.rig.n_dir_shadow == 1
    d = light.rig.dir_direction[0]
    assert d @ (-np.array([0.5, -0.3, 0.6]) / np.linalg.norm([0.5, -0.3, 0.6])) > 0.99


# ---------------------------------------------------------------------------- glass
def _glass_scene(pane_material="glass"):
    objects = [{"name": "red", "shape": {"type": "box", "size": [0.4, 0.4, 0.4]}, "position": [0, 0.6, 0.2],
                "static": True, "color": "#cc2020", "material": "plastic"},
               {"name": "pane", "shape": {"type": "box", "size": [1.2, 0.02, 1.0]}, "position": [0, 0, 0.5],
                "static": True, "material": pane_material}]
    return scene_dict(objects, duration=0.1, resolution=[128, 96], ground={"texture": "plain"},
                      cameras=[{"position": [0, -2.2, 0.55], "look_at": [0, 0.6, 0.2], "fov": 40}])


def test_a_red_box_seen_through_glass_stays_clearly_red():
    b = frame(_glass_scene(), passes=("rgb", "segmentation"))
    behind = frame({**_glass_scene(), "objects": _glass_scene()["objects"][:1]}, passes=("segmentation",))
    through = b["rgb"][(b["segmentation"] == 3) & (behind["segmentation"] == 2)].astype(float)  # pane over box
    assert len(through) > 200
    r, g, bl = through.mean(axis=0)
    assert r > 1.8 * g and r > 1.8 * bl, (r, g, bl)
    h = hue_deg(linear(through.mean(axis=0)))
    assert min(h, 360 - h) < 15


@pytest.mark.parametrize("look,moving", [("fast", False), ("fast", True), ("standard", False)])
def test_glass_in_front_of_the_sky_shows_the_sky(look, moving):
    # the first frame of glass_drop drew its glass black: the sky came in after the glass, so the
    # glass blended over the cleared black (every first frame of a still camera, every frame of
    # a moving one or of a multisampled look)
    cam = {"position": [0, -3, 1.2], "look_at": [0, 0, 1.6], "fov": 40}
    if moving:
        cam["motion"] = [{"type": "orbit", "degrees": 20}]
    data = scene_dict([{"name": "glass", "shape": {"type": "cylinder", "radius": 0.2, "height": 0.4},
                        "position": [0, 0, 1.8], "static": True, "material": "glass"}],
                      duration=0.1, resolution=[96, 72], cameras=[cam], render={"look": look})
    b = frame(data)
    seg = b["segmentation"]
    glass, sky = seg == 2, seg == 0
    assert glass.sum() > 150
    lum = linear(b["rgb"]) @ LUMA
    assert lum[glass].mean() > 0.7 * lum[sky].mean(), (lum[glass].mean(), lum[sky].mean())


def test_glass_has_a_fresnel_rim():
    # a glass ball before a black wall: its middle shows the wall (dark), its rim reflects the
    # sky and floor (light) -- Fresnel reflection grows towards grazing angles
    objects = [{"name": "wall", "shape": {"type": "box", "size": [3, 0.1, 2]}, "position": [0, 1.0, 1.0],
                "static": True, "color": "#050505"},
               {"name": "ball", "shape": {"type": "sphere", "radius": 0.35}, "position": [0, 0, 0.8],
                "static": True, "material": "glass"}]
    data = scene_dict(objects, duration=0.1, resolution=[96, 96],
                      cameras=[{"position": [0, -2.5, 0.8], "look_at": [0, 0, 0.8], "fov": 25}])
    b = frame(data)
    lum = linear(b["rgb"]) @ LUMA
    ball = b["segmentation"] == 3
    ys, xs = np.nonzero(ball)
    cy, cx = ys.mean(), xs.mean()
    r = np.hypot(ys - cy, xs - cx)
    rim, middle = r > 0.92 * r.max(), r < 0.4 * r.max()
    assert lum[ys[rim], xs[rim]].mean() > 1.5 * lum[ys[middle], xs[middle]].mean()


def _shadow_of(material, soft=False, size=96):
    objects = [{"name": "cube", "shape": {"type": "box", "size": [0.4, 0.4, 0.4]}, "position": [0, 0, 0.7],
                "static": True, "material": material}]
    data = scene_dict(objects, duration=0.1, resolution=[size, size], ground={"texture": "plain", "colors": ["#d0d0d0"] * 2},
                      lights=[{"type": "directional", "direction": [1, 0, -1], "intensity": 3, "shadows": True}],
                      cameras=[{"position": [0.7, 0, 4], "look_at": [0.7, 0, 0], "fov": 40, "up": [0, 1, 0]}],
                      render={"shadows": "soft" if soft else True})
    b = frame(data)
    view = physreel.rendering.stream.camera_views(physreel.load_scene(data), physreel.load_scene(data).cameras[0],
                                                   physreel.simulate(data), size, size)[0]
    return linear(b["rgb"]), b["segmentation"], view


def test_glass_shadow_is_light_and_tinted_opaque_is_dark():
    def at(view, x, y):
        uv, _ = view.project(np.array([x, y, 0.0]))
        return int(uv[1]), int(uv[0])

    glass, seg, view = _shadow_of("glass")
    opaque, _, _ = _shadow_of("plastic")
    centre, lit = at(view, 0.7, 0.0), at(view, 0.7, 0.6)  # the shadow of the cube lies 0.7 m along +x
    assert seg[centre] == 1 and seg[lit] == 1
    g, o, bright = glass[centre], opaque[centre], glass[lit]
    assert (o @ LUMA) < 0.45 * (bright @ LUMA)  # an opaque cube's shadow is dark
    assert (g @ LUMA) > 0.6 * (bright @ LUMA)  # glass lets most of the light through
    assert g[2] / g[0] > 1.05 * bright[2] / bright[0]  # tinted by the glass's blue-green colour


def test_soft_shadows_have_a_wider_penumbra():
    def edge_width(soft):
        img, seg, view = _shadow_of("plastic", soft, size=128)
        row = img[64, :, 1]
        lo, hi = np.percentile(row[seg[64] == 1], [5, 95])
        mid = (row > lo + 0.1 * (hi - lo)) & (row < hi - 0.1 * (hi - lo)) & (seg[64] == 1)
        return int(mid.sum())

    assert edge_width(True) >= edge_width(False) + 2


# ---------------------------------------------------------------------------- floors
@pytest.mark.parametrize("pattern", ["planks", "tiles", "concrete"])
def test_floor_patterns_show_in_the_floor_colour(pattern):
    data = scene_dict([], duration=0.1, resolution=[96, 72], ground={"texture": pattern, "material": "wood"},
                      cameras=[{"position": [0, -0.8, 0.8], "look_at": [0, 0, 0], "fov": 40}])
    a = frame(data)["rgb"][16:56, 16:80].astype(float)
    plain = frame({**data, "ground": {"texture": "plain", "material": "wood"}})["rgb"][16:56, 16:80].astype(float)
    assert a.std(axis=(0, 1)).max() > plain.std(axis=(0, 1)).max() + 2  # a pattern, not a flat colour
    assert abs(hue_deg(linear(a.mean(axis=(0, 1)))) - hue_deg(linear(plain.mean(axis=(0, 1))))) < 12  # wood colour
    assert np.array_equal(frame(data)["rgb"], frame(data)["rgb"])  # the same floor every time


def test_a_ground_image_file_is_tiled(tmp_path):
    from PIL import Image

    img = np.zeros((64, 64, 3), np.uint8)
    img[:32, :, 0] = 220  # red top half, blue bottom half
    img[32:, :, 2] = 220
    Image.fromarray(img).save(tmp_path / "floor.png")
    data = scene_dict([], duration=0.1, resolution=[64, 48], ground={"texture": str(tmp_path / "floor.png"),
                                                                     "texture_scale": 1.0},
                      cameras=[{"position": [0, -0.01, 3], "look_at": [0, 0, 0], "fov": 50}])
    rgb = frame(data)["rgb"].astype(float)
    assert rgb[..., 0].max() > 150 and rgb[..., 2].max() > 150 and rgb[..., 1].max() < 90


# ---------------------------------------------------------------------------- ambient occlusion
def test_ambient_occlusion_darkens_the_floor_at_an_objects_foot_only():
    objects = [{"name": "box", "shape": {"type": "box", "size": [0.6, 0.6, 0.6]}, "position": [0, 0, 0.3], "static": True}]
    data = scene_dict(objects, duration=0.1, resolution=[128, 96], ground={"texture": "plain"},
                      lights=[{"type": "directional", "direction": [0, 0.3, -1], "intensity": 2}],  # no shadows
                      cameras=[{"position": [0, -2.2, 1.4], "look_at": [0, 0, 0.2], "fov": 45}])
    fast = frame({**data, "render": {"look": "fast"}})
    std = frame({**data, "render": {"look": "standard"}})
    seg = fast["segmentation"]
    box = seg == 2
    ys, xs = np.nonzero(box)
    foot = (slice(ys.max() + 1, ys.max() + 4), slice(xs.min() + 8, xs.max() - 8))  # floor just in front of the box
    assert (seg[foot] == 1).all()
    far = (slice(90, 96), slice(0, 128))
    f, s = fast["rgb"].astype(float), std["rgb"].astype(float)
    assert s[foot].mean() < f[foot].mean() - 4  # occluded: darker
    assert abs(s[far].mean() - f[far].mean()) < 2.5  # open floor: as it was


# ---------------------------------------------------------------------------- motion blur
def _moving(blur, **render):
    objects = [{"name": "ball", "shape": {"type": "sphere", "radius": 0.15}, "position": [-1.2, 0, 0.5],
                "velocity": [12.0, 0, 0]},
               {"name": "box", "shape": {"type": "box", "size": [0.3, 0.3, 0.3]}, "position": [0.8, 0.6, 0.15],
                "static": True}]
    return scene_dict(objects, gravity=[0, 0, 0], duration=0.2, resolution=[240, 180],
                      cameras=[{"position": [0, -4, 0.5], "look_at": [0, 0, 0.5], "fov": 40}],
                      render={"motion_blur": blur, **render})


@pytest.mark.parametrize("shutter", [0.5, 1.0])
def test_motion_blur_elongates_a_moving_ball_by_speed_times_shutter(shutter):
    sharp = frame(_moving(False), passes=("rgb", "segmentation"), index=3)
    blurred = frame(_moving(True, shutter=shutter), passes=("rgb", "segmentation"), index=3)
    ball = sharp["segmentation"] == 2
    rows = np.nonzero(ball.any(axis=1))[0]
    row = rows[len(rows) // 2]  # through the ball's centre
    background = frame({**_moving(False), "objects": _moving(False)["objects"][1:]}, index=3)["rgb"]
    def width(img):  # the silhouette's extent: where the ball shows at all (its faint tails too)
        differs = np.abs(img[row].astype(int) - background[row].astype(int)).max(axis=1) > 4
        return int(differs.sum())
    scene = physreel.load_scene(_moving(False))
    view = physreel.rendering.stream.camera_views(scene, scene.cameras[0], physreel.simulate(scene), 240, 180)[3]
    a, _ = view.project(np.array([0.0, 0, 0.5]))
    b, _ = view.project(np.array([12.0 * shutter / 24.0, 0, 0.5]))
    expected = b[0] - a[0]  # speed x shutter, in pixels
    growth = width(blurred["rgb"]) - width(sharp["rgb"])
    assert expected > 8
    assert abs(growth - expected) < 0.3 * expected, (growth, expected)
    # what does not move is the same, byte for byte; ground truth is the sharp frame's
    box = sharp["segmentation"] == 3
    assert box.sum() > 100 and np.array_equal(sharp["rgb"][box], blurred["rgb"][box])
    assert np.array_equal(sharp["segmentation"], blurred["segmentation"])


def test_motion_blur_manifest_states_the_shutter(tmp_path):
    import json

    physreel.write(_moving(True, shutter=0.25), tmp_path / "out")
    rgb = json.loads((tmp_path / "out" / "main" / "manifest.json").read_text())["passes"]["rgb"]
    assert rgb["shutter"] == 0.25 and "centre" in rgb["ground_truth_time"]


# ---------------------------------------------------------------------------- depth of field
def test_depth_of_field_blurs_what_is_out_of_focus_only():
    def contrast(img, rows):  # gradient energy: a blur spreads the checker's edges, lowering it
        g = img[rows].astype(float).mean(axis=2)
        return (np.diff(g, axis=1) ** 2).mean()

    # a 68 mm lens (20 degrees on full frame) at f/1.4 focused 3 m away: the floor 1.5 m away
    # blurs over about 3 pixels (radius), as does the far floor
    cam = {"position": [0, -3.0, 0.5], "look_at": [0, 0, 0], "fov": 20}
    data = scene_dict([], duration=0.1, resolution=[160, 120], ground={"checker_size": 0.1}, cameras=[cam])
    sharp = frame(data)["rgb"]
    lens = frame({**data, "cameras": [{**cam, "aperture": 1.4}]})["rgb"]
    scene = physreel.load_scene(data)
    view = physreel.rendering.stream.camera_views(scene, scene.cameras[0], physreel.simulate(scene), 160, 120)[0]
    uv, _ = view.project(np.array([0.0, 0.0, 0.0]))  # the focus point
    r = int(uv[1])
    near = slice(112, 120)
    assert contrast(lens, slice(r - 1, r + 2)) > 0.8 * contrast(sharp, slice(r - 1, r + 2))  # in focus: sharp
    assert contrast(lens, near) < 0.6 * contrast(sharp, near)  # the floor at the camera's feet: blurred


@pytest.mark.parametrize("look", ["fast", "standard", "high"])
def test_depth_of_field_works_in_every_tier_behind_glass(look):
    # a glass object drawn last left face culling on, and the lens's screen triangle was culled:
    # the multisampled tiers came out black
    objects = [{"name": "ball", "shape": {"type": "sphere", "radius": 0.25}, "position": [-0.5, 0, 0.25], "static": True},
               {"name": "pane", "shape": {"type": "box", "size": [0.5, 0.5, 0.5]}, "position": [0.3, 0.2, 0.25],
                "static": True, "material": "glass"}]
    cam = {"position": [0, -3.0, 1.2], "look_at": [0, 0, 0.3], "fov": 20}  # a 68 mm lens
    data = scene_dict(objects, duration=0.1, resolution=[96, 64], cameras=[cam], render={"look": look})
    sharp = frame(data)["rgb"].astype(float)
    lens = frame({**data, "cameras": [{**cam, "aperture": 1.0, "focus_distance": 1.0}]})["rgb"].astype(float)
    assert abs(lens.mean() - sharp.mean()) < 4, (lens.mean(), sharp.mean())  # the same picture ...
    assert np.abs(np.diff(lens, axis=1)).mean() < 0.8 * np.abs(np.diff(sharp, axis=1)).mean()  # ... blurred


# ---------------------------------------------------------------------------- ground truth
def test_ground_truth_is_bit_identical_with_every_look_feature(tmp_path):
    _hdr(tmp_path / "sky.hdr")
    objects = [{"name": "ball", "shape": {"type": "sphere", "radius": 0.2}, "position": [-0.4, 0, 0.6],
                "velocity": [2.0, 0, 0]},
               {"name": "pane", "shape": {"type": "box", "size": [0.5, 0.05, 0.5]}, "position": [0.4, 0.3, 0.25],
                "material": "glass", "static": True}]
    cam = {"position": [0.2, -2.5, 1.0], "look_at": [0, 0, 0.3], "fov": 50}
    base = scene_dict(objects, duration=0.2, resolution=[96, 72], cameras=[cam])
    plain = [frame(base, passes=GT, index=i) for i in (0, 2)]
    looks = [{"render": {"look": "high", "motion_blur": True, "shadows": "soft", "exposure": 1.5}},
             {"render": {"look": "standard", "shutter": 1.0}, "sky": {"type": "hdri", "file": str(tmp_path / "sky.hdr")},
              "cameras": [{**cam, "aperture": 2.0}]},
             {"sky": {"type": "gradient", "haze": 0}, "background": "#102030", "ground": {"texture": "planks"}}]
    for extra in looks:
        for i, ref in zip((0, 2), plain, strict=True):
            got = frame({**base, **extra}, passes=GT, index=i)
            for k in GT:
                assert np.array_equal(np.asarray(got[k]), np.asarray(ref[k])), (extra, k)


def test_controls_stay_sharp_under_motion_blur_and_depth_of_field():
    # canny is made from the colour image, but from the sharp one: blur and lens are the camera's
    from physreel.passes import CONTROLS

    base = _moving(False)
    lens = {**base, "render": {"motion_blur": True, "shutter": 1.0},
            "cameras": [{**base["cameras"][0], "aperture": 1.4, "focus_distance": 1.0}]}
    sharp = frame(base, passes=("rgb",), index=3)
    blurred = frame(lens, passes=("rgb",), index=3)
    assert not np.array_equal(sharp["rgb"], blurred["rgb"])  # the video is blurred ...
    assert np.array_equal(blurred.sharp_rgb, sharp["rgb"])  # ... what controls see is not
    canny = CONTROLS["canny"].frame
    assert np.array_equal(canny(blurred, None), canny(sharp, None))
    assert sharp.sharp_rgb is None


# ---------------------------------------------------------------------------- what holds things
def _pendulum(visible=True, break_force=None):
    joint = {"type": "ball", "a": "bob", "anchor": [0, 0, 1.2], "visible": visible}
    if break_force is not None:
        joint["break_force"] = break_force
    return scene_dict([{"name": "bob", "shape": {"type": "sphere", "radius": 0.08}, "position": [0.4, 0, 0.6],
                        "material": "steel"}],
                      joints=[joint], duration=0.5, resolution=[96, 96],
                      cameras=[{"position": [0.2, -2.6, 0.9], "look_at": [0.2, 0, 0.9], "fov": 40}])


def _string_pixels(b, data, f):
    """Pixels labelled as the bob along the segment from the anchor to it, outside its disc."""
    scene = physreel.load_scene(data)
    traj = physreel.simulate(scene)
    view = physreel.rendering.stream.camera_views(scene, scene.cameras[0], traj, 96, 96)[f]
    bob = traj.position[f, 0]
    mid = (np.array([0, 0, 1.2]) + bob) / 2.0  # halfway up the string
    uv, _ = view.project(mid)
    y, x = int(uv[1]), int(uv[0])
    return (b["segmentation"][y - 2:y + 3, x - 3:x + 4] == 2).sum()


def test_a_joint_draws_its_string_labelled_as_what_hangs_on_it():
    data = _pendulum()
    assert _string_pixels(frame(data, index=6), data, 6) > 0
    hidden = _pendulum(visible=False)
    assert _string_pixels(frame(hidden, index=6), hidden, 6) == 0
