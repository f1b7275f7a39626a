"""Conditioning images: polarity and conventions checked on analytic scenes."""

from __future__ import annotations

import numpy as np
import pytest

from physreel.errors import InputError
from physreel.outputs.formats import (
    depth_to_mm_uint16,
    read_flo,
    read_png16,
    write_flo,
    write_png16,
)
from physreel.outputs.visualize import (
    SEGMENTATION_PALETTE,
    colorize_depth,
    colorize_normals,
    colorize_segmentation,
    flow_to_color,
    make_colorwheel,
)
from physreel.passes.controls.canny import canny
from physreel.passes.controls.depth import DepthRangeAccumulator, clip_depth_range, depth_control
from physreel.passes.controls.edges import edges_geometric
from physreel.passes.controls.normal import normal_control
from physreel.passes.controls.seg import (
    ADE20K_CLASSES,
    ADE20K_PALETTE,
    ade20k_class,
    ade20k_lut,
    seg_control,
)
from physreel.passes.controls.tracks import track_colors, tracking_video_frame
from test_flow import make_camera, raycast, sphere_pose

# ------------------------------------------------------------------------------- depth


def test_depth_control_near_is_white_far_is_black_background_black():
    d = np.array([[1.0, 2.0, 4.0, 0.0, 0.5, 10.0]], np.float32)
    img = depth_control(d, near=1.0, far=4.0)
    assert img.shape == (1, 6, 3) and img.dtype == np.uint8
    g = img[0, :, 0]
    assert (img[..., 0] == img[..., 1]).all() and (img[..., 1] == img[..., 2]).all()
    # inverse depth: 1/2 lies at (0.5 - 0.25) / (1 - 0.25) = 1/3 of the range
    assert g.tolist() == [255, 85, 0, 0, 255, 0]


def test_depth_control_uses_the_given_range_not_per_frame():
    # the same depth gives the same grey in two frames with different content
    a = np.full((4, 4), 2.0, np.float32)
    b = a.copy()
    b[0, 0] = 1.0
    assert depth_control(a, 1.0, 4.0)[1, 1, 0] == depth_control(b, 1.0, 4.0)[1, 1, 0]
    with pytest.raises(InputError, match="near < far"):
        depth_control(a, 4.0, 1.0)


def test_clip_depth_range_is_robust_and_clip_wide():
    rng = np.random.Generator(np.random.PCG64(1))
    frames = []
    for k in range(3):
        d = rng.uniform(2.0 + k, 3.0 + k, size=(64, 64)).astype(np.float32)
        d[:10] = 0.0  # background
        d[20, 20] = 0.01  # one stray pixel must not set near
        frames.append(d)
    near, far = clip_depth_range(iter(frames))
    assert near == pytest.approx(2.0, abs=0.05)
    assert far == pytest.approx(5.0, abs=0.05)
    acc = DepthRangeAccumulator()
    acc.update(np.zeros((8, 8)))
    assert acc.result() is None


# ------------------------------------------------------------------------------- normals


def test_normal_control_formula_and_background():
    n = np.array([[[-1, 0, 0], [0, -1, 0], [0, 0, -1], [0, 0, 0]]], np.float32)
    img = normal_control(n)
    # left-pointing -> red, up-pointing -> green, facing the camera -> blue
    assert img[0, 0].tolist() == [255, 128, 128]
    assert img[0, 1].tolist() == [128, 255, 128]
    assert img[0, 2].tolist() == [128, 128, 255]
    assert img[0, 3].tolist() == [128, 128, 255]  # background default: a camera-facing wall
    assert normal_control(n, background=(0, 0, 0))[0, 3].tolist() == [0, 0, 0]


def test_normal_control_on_a_sphere_left_rim_red_top_rim_green_centre_blue():
    cam = make_camera([0.0, -3.0, 0.5], [0.0, 0.0, 0.5])
    f = raycast(cam, [0.6], [sphere_pose([0.0, 0.0, 0.5])])
    img = normal_control(f["normals"]).astype(int)
    ys, xs = np.nonzero(f["seg"] == 1)
    cy, cx = int(round(ys.mean())), int(round(xs.mean()))
    left = img[cy, xs.min()]
    right = img[cy, xs.max()]
    top = img[ys.min(), cx]
    bottom = img[ys.max(), cx]
    centre = img[cy, cx]
    assert left[0] > 230 and abs(left[1] - 128) < 20 and left[0] > left[2]
    assert right[0] < 25
    assert top[1] > 230 and abs(top[0] - 128) < 20 and top[1] > top[2]
    assert bottom[1] < 25
    assert centre[2] > 250 and abs(centre[0] - 128) < 10 and abs(centre[1] - 128) < 10


# ------------------------------------------------------------------------------- edges


def _sphere_on_floor():
    cam = make_camera([0.0, -3.0, 1.2], [0.0, 0.0, 0.4])
    f = raycast(cam, [0.4], [sphere_pose([0.0, 0.0, 0.4])], ground_id=2)
    return cam, f


def test_edges_geometric_outline_on_the_near_side_one_pixel_wide():
    cam, f = _sphere_on_floor()
    e = edges_geometric(f["seg"], f["depth"], f["normals"], cam.K)
    assert e.dtype == np.uint8 and set(np.unique(e)) <= {0, 255}
    sphere = f["seg"] == 1
    # the sphere's outline is drawn on sphere pixels (the nearer side) ...
    ring = sphere & ~np.pad(sphere, 1)[2:, 1:-1] | sphere & ~np.pad(sphere, 1)[:-2, 1:-1]
    ring |= sphere & ~np.pad(sphere, 1)[1:-1, 2:] | sphere & ~np.pad(sphere, 1)[1:-1, :-2]
    assert (e[ring] == 255).all()
    # ... and only there: one pixel wide, none inside the sphere, none on the floor
    assert not e[sphere & ~ring].any()
    floor = f["seg"] == 2
    assert not e[floor & ~ring].any() or _only_at_floor_outline(e, f)


def _only_at_floor_outline(e, f):
    floor = f["seg"] == 2
    out = floor & (
        (np.pad(f["seg"], 1)[2:, 1:-1] != 2)
        | (np.pad(f["seg"], 1)[:-2, 1:-1] != 2)
        | (np.pad(f["seg"], 1)[1:-1, 2:] != 2)
        | (np.pad(f["seg"], 1)[1:-1, :-2] != 2)
    )
    return not e[floor & ~out].any()


def test_edges_geometric_grazing_floor_needs_the_tangent_plane_check():
    # A floor seen at a grazing angle: neighbouring rows differ by more than 5 % in depth
    # near the horizon.  With normals + K no line is drawn inside it; without, lines appear.
    cam = make_camera([0.0, -3.0, 0.15], [0.0, 0.0, 0.1])
    f = raycast(cam, [], [], ground_id=1)
    inner = f["seg"] == 1
    inner[:-1] &= f["seg"][1:] == 1
    inner[1:] &= f["seg"][:-1] == 1
    assert not edges_geometric(f["seg"], f["depth"], f["normals"], cam.K)[inner].any()
    assert edges_geometric(f["seg"], f["depth"])[inner].any()


def test_edges_geometric_creases_and_depth_steps():
    h, w = 20, 30
    seg = np.ones((h, w), np.uint16)
    depth = np.full((h, w), 2.0, np.float32)
    n = np.zeros((h, w, 3), np.float32)
    n[..., 2] = -1.0
    a = np.deg2rad(40.0)
    n[:, 15:] = [np.sin(a), 0.0, -np.cos(a)]
    e = edges_geometric(seg, depth, n)
    assert (e[:, 14] == 255).all() and e.sum() == 255 * h  # one column: top/left on ties
    a = np.deg2rad(20.0)
    n[:, 15:] = [np.sin(a), 0.0, -np.cos(a)]
    assert not edges_geometric(seg, depth, n).any()
    # depth step of 10 % within one object (self-occlusion): line on the near side
    depth[12:] = 2.2
    e = edges_geometric(seg, depth, n)
    assert (e[11] == 255).all() and e.sum() == 255 * w
    depth[12:] = 2.06  # 3 %: no line
    assert not edges_geometric(seg, depth, n).any()


def test_edges_geometric_is_deterministic_for_a_static_scene():
    cam, f = _sphere_on_floor()
    a = edges_geometric(f["seg"], f["depth"], f["normals"], cam.K)
    _, g = _sphere_on_floor()
    b = edges_geometric(g["seg"], g["depth"], g["normals"], cam.K)
    assert a.tobytes() == b.tobytes()


# ------------------------------------------------------------------------------- canny


def test_canny_square_outline():
    img = np.zeros((40, 40, 3), np.uint8)
    img[10:30, 10:30] = 200
    e = canny(img, 100, 200, sigma=0.0)
    assert set(np.unique(e)) == {0, 255}
    ys, xs = np.nonzero(e)
    # the outline hugs the square's border (one pixel each side is allowed), nothing far away
    assert ys.min() >= 8 and ys.max() <= 31 and xs.min() >= 8 and xs.max() <= 31
    assert not e[13:27, 13:27].any()
    # one pixel wide: each row crossing the left side has one edge pixel there
    assert all(e[r, 5:15].sum() == 255 for r in range(13, 27))


def test_canny_thresholds_and_hysteresis():
    # Sobel magnitude of a vertical step of height s is 4 s
    img = np.zeros((30, 40), np.uint8)
    img[:, 20:] = 20  # 80 < low
    assert not canny(img, 100, 200, sigma=0).any()
    img[:, 20:] = 40  # 160: weak only, no strong seed -> dropped
    assert not canny(img, 100, 200, sigma=0).any()
    img[:15, 20:] = 60  # 240: strong seed in the top half, connected to the weak bottom half
    e = canny(img, 100, 200, sigma=0)
    assert e[2:28, 18:22].any(axis=1).all()
    img[:, 20:] = 0
    img[:, :20] = 0
    img[:, 20:] = 40
    img[:, 25:] = 100  # second step of 60 -> strong, separate from the first
    e = canny(img, 100, 200, sigma=0)
    assert e[5:25, 23:27].any(axis=1).all()
    assert not e[5:25, 17:22].any()


def test_canny_blur_suppresses_noise():
    rng = np.random.Generator(np.random.PCG64(3))
    img = np.clip(128 + rng.normal(0, 12, size=(64, 64, 3)), 0, 255).astype(np.uint8)
    assert canny(img, 100, 200, sigma=0).any()
    assert not canny(img, 100, 200, sigma=2.0).any()


# ------------------------------------------------------------------------------- seg


def test_ade20k_tables_and_mapping():
    assert ADE20K_PALETTE.shape == (150, 3) and ADE20K_PALETTE.dtype == np.uint8
    assert len(ADE20K_CLASSES) == 150
    assert ADE20K_CLASSES[3] == "floor, flooring" and ADE20K_PALETTE[3].tolist() == [80, 50, 50]
    assert ADE20K_PALETTE[0].tolist() == [120, 120, 120]  # wall
    assert ade20k_class("ground") == 3
    assert ade20k_class("glass") == ADE20K_CLASSES.index("glass, drinking glass") == 147
    assert ade20k_class("box") == 41 and ade20k_class("Ball") == 119
    assert ade20k_class("table") == 15 and ade20k_class("drinking glass") == 147
    with pytest.raises(InputError, match="ADE20K"):
        ade20k_class("frobnicator")
    assert ade20k_class("frobnicator", default="plaything") == 108
    lut = ade20k_lut(["ground", "ball", "box"])
    assert lut.tolist() == [-1, 3, 119, 41]


def test_ade20k_data_file_is_the_standard_table():
    """The table is data (physreel/data/ade20k.json); these hashes pin the 150 names and the
    palette of the ADE20K benchmark (as in mmsegmentation / ControlNet)."""
    import hashlib

    assert hashlib.sha256(ADE20K_PALETTE.tobytes()).hexdigest()[:16] == "ce475c9151035eff"
    assert hashlib.sha256("|".join(ADE20K_CLASSES).encode()).hexdigest()[:16] == "5450b184eb0b7e5e"


def test_public_control_functions_are_reexported():
    from physreel.outputs import control

    for name in control.__all__:
        assert getattr(control, name) is not None
    assert control.depth_control is depth_control and control.canny is canny


def test_seg_control_colours_by_class_and_background():
    lut = ade20k_lut(["ground", "ball", "ball"])
    seg = np.array([[0, 1, 2, 3]], np.uint16)
    img = seg_control(lut[seg])
    assert img[0, 0].tolist() == [0, 0, 0]
    assert img[0, 1].tolist() == ADE20K_PALETTE[3].tolist()
    # two instances of one class share one colour
    assert img[0, 2].tolist() == img[0, 3].tolist() == ADE20K_PALETTE[119].tolist()
    with pytest.raises(InputError, match="palette"):
        seg_control(np.array([[150]]))


# ------------------------------------------------------------------------------- tracks video


def test_track_colors_from_frame_zero():
    xy = np.array([[[0.0, 0.0], [5, 5]], [[100.0, 50.0], [1, 1]], [[50.0, 100.0], [1, 1]]])
    xyz = np.zeros((3, 2, 3))
    xyz[:, 0, 2] = [1.0, 2.0, 4.0]
    xyz[:, 1, 2] = 9.0
    c = track_colors(xy, xyz, 100, 100)
    # inverse depths 1, .5, .25 -> normalised 1, 1/3, 0
    assert c.tolist() == [[0, 0, 255], [255, 128, 85], [128, 255, 0]]


def test_tracking_video_frame_discs_visibility_and_depth_order():
    xy = np.array([[10.5, 10.5], [30.2, 5.9], [11.5, 10.5], [50.0, 50.0]])
    vis = np.array([True, True, True, False])
    colors = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]], np.uint8)
    img = tracking_video_frame(xy, vis, colors, 40, 60, radius=1)
    assert img.shape == (40, 60, 3) and img.dtype == np.uint8
    assert img[5, 30].tolist() == [0, 255, 0]  # centre pixel floor(x), floor(y)
    assert img[6, 30].tolist() == [0, 255, 0] and img[5, 31].tolist() == [0, 255, 0]
    assert img[8, 30].tolist() == [0, 0, 0]
    assert not (img == 9).all(axis=-1).any()  # the invisible track is not drawn
    assert img[10, 11].tolist() == [0, 0, 255]  # overlap: later track wins without depth
    img = tracking_video_frame(xy, vis, colors, 40, 60, radius=1, depth_t=[1.0, 1.0, 2.0, 1.0])
    assert img[10, 11].tolist() == [255, 0, 0]  # with depth: the nearer wins
    assert img[10, 12].tolist() == [0, 0, 255]
    assert (img.reshape(-1, 3).any(axis=1)).sum() > 10


# ------------------------------------------------------------------------------- previews


def test_colorize_depth_turbo_one_range_near_red_end():
    d = np.array([[1.0, 4.0, 0.0, 2.0]], np.float32)
    img = colorize_depth(d, 1.0, 4.0)
    assert img[0, 0].tolist() == [122, 4, 3]  # Turbo's last entry (0.4796, 0.0158, 0.0106)
    assert img[0, 1].tolist() == [48, 18, 59]  # Turbo's first entry (0.1900, 0.0718, 0.2322)
    assert img[0, 2].tolist() == [0, 0, 0]
    # inverse depth 1/2 -> index round(255/3) = 85: Turbo(1/3) is green-cyan
    r, g, b = img[0, 3].tolist()
    assert g > 200 and r < 120


def test_colorize_segmentation_fixed_distinct_palette():
    assert SEGMENTATION_PALETTE[0].tolist() == [0, 0, 0]
    assert SEGMENTATION_PALETTE[1].tolist() == [128, 0, 0]  # PASCAL VOC colours
    assert SEGMENTATION_PALETTE[2].tolist() == [0, 128, 0]
    assert SEGMENTATION_PALETTE[15].tolist() == [192, 128, 128]
    packed = SEGMENTATION_PALETTE.astype(np.int64) @ [65536, 256, 1]
    assert len(np.unique(packed)) == 65536  # every uint16 id its own colour
    seg = np.array([[0, 3, 3, 65535]], np.uint16)
    img = colorize_segmentation(seg)
    assert img[0, 1].tolist() == img[0, 2].tolist() == SEGMENTATION_PALETTE[3].tolist()


def test_colorize_normals():
    n = np.array([[[1, 0, 0], [0, 0, -1], [0, 0, 0]]], np.float32)
    assert colorize_normals(n)[0].tolist() == [[255, 128, 128], [128, 128, 0], [0, 0, 0]]


def test_flow_to_color_matches_the_middlebury_wheel():
    wheel = make_colorwheel()
    assert wheel.shape == (55, 3)
    assert wheel[0].tolist() == [255, 0, 0] and wheel[15].tolist() == [255, 255, 0]
    f = np.zeros((1, 5, 2), np.float32)
    f[0, 1] = [2, 0]  # right
    f[0, 2] = [-2, 0]  # left
    f[0, 3] = [1, 0]  # right, half the largest magnitude
    f[0, 4] = [0, 2]  # down
    img = flow_to_color(f)
    assert img[0, 0].tolist() == [255, 255, 255]  # zero flow is white
    assert img[0, 1].tolist() == [255, 0, 0]  # right: wheel[0] (atan2(-0.0, -u) = -pi)
    assert img[0, 2].tolist() == [0, 209, 255]  # left: wheel[27]
    # half magnitude: halfway to white
    assert img[0, 3].tolist() == [255, 127, 127]
    assert img[0, 4, 0] >= 254 and img[0, 4, 2] == 0 and 225 < img[0, 4, 1] < 232
    # clip-wide scale: beyond max_flow the colour is darkened to 75 %
    assert flow_to_color(f, max_flow=1.0)[0, 1].tolist() == [191, 0, 0]


@pytest.mark.parametrize("moving", [0.0, 0.01, 0.4, 0.6, 1.0])
def test_flow_colours_of_mostly_still_frames_are_those_of_every_pixel(moving):
    # a mostly still frame colours only its moving pixels (zero flow is white): the image must be
    # the one colouring every pixel gives
    from physreel.outputs.visualize import wheel_colors

    rng = np.random.default_rng(4)
    f = rng.normal(0, 3, (24, 32, 2)).astype(np.float32)
    f[rng.random((24, 32)) >= moving] = 0.0
    f[1, 1] = [0.0, -2.0]
    for mx in (None, 2.5):
        u, v = f[..., 0].astype(np.float64), f[..., 1].astype(np.float64)
        scale = float(np.sqrt(u * u + v * v).max()) if mx is None else mx
        assert np.array_equal(flow_to_color(f, max_flow=mx), wheel_colors(u, v, scale))
    assert (flow_to_color(f)[(f == 0).all(axis=2)] == 255).all()


# ------------------------------------------------------------------------------- file formats


def test_flo_round_trip_and_header(tmp_path):
    rng = np.random.Generator(np.random.PCG64(5))
    flow = rng.normal(size=(7, 11, 2)).astype(np.float32)
    p = tmp_path / "a.flo"
    write_flo(p, flow)
    raw = p.read_bytes()
    assert raw[:4] == b"PIEH" and len(raw) == 12 + 7 * 11 * 8
    assert np.frombuffer(raw[4:12], "<i4").tolist() == [11, 7]  # width, then height
    assert np.frombuffer(raw[12:20], "<f4").tolist() == flow[0, 0].tolist()  # (u, v) of (0, 0)
    back = read_flo(p)
    assert back.dtype == np.float32 and np.array_equal(back, flow)
    p.write_bytes(raw[:-4])
    with pytest.raises(InputError, match="truncated"):
        read_flo(p)
    p.write_bytes(b"XXXX" + raw[4:])
    with pytest.raises(InputError, match="magic"):
        read_flo(p)


def test_png16_round_trip_bit_exact(tmp_path):
    rng = np.random.Generator(np.random.PCG64(6))
    a = rng.integers(0, 65536, size=(33, 47), dtype=np.uint16)
    a[0, :4] = [0, 1, 256, 65535]
    p = tmp_path / "d.png"
    write_png16(p, a)
    b = read_png16(p)
    assert b.dtype == np.uint16 and np.array_equal(a, b)
    import imageio.v3 as iio

    assert np.array_equal(iio.imread(p), a)  # readable as 16-bit by other tools
    with pytest.raises(InputError, match="uint16"):
        write_png16(p, a.astype(np.int32))


def test_depth_to_mm_uint16():
    d = np.array([[0.0, 1.2344, 1.2346, 70.0, 0.0003, 0.0005]], np.float32)
    mm = depth_to_mm_uint16(d)
    assert mm.dtype == np.uint16
    assert mm.tolist() == [[0, 1234, 1235, 65535, 1, 1]]
