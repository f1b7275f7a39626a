"""Tests of keyframes (easing, interpolation, keyed poses) and camera motion evaluation."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from scipy.spatial.transform import Rotation

from physreel.errors import InputError
from physreel.rendering.camera_path import camera_frames
from physreel.scene.camera_motion import CameraMotion, PathMotion, ZoomMotion
from physreel.scene.keyframes import (
    EASINGS,
    Keyframe,
    Keyframes,
    ease,
    interpolate_rotations,
    interpolate_vectors,
    keyed_velocity,
    quat_from_euler_degrees,
    quat_multiply,
    sample_keyed_pose,
    slerp,
)

W, H = 320, 240


class Cam(BaseModel):
    """Mirror of the lead's scene Camera model (duck-typed by camera_frames)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = "main"
    position: tuple[float, float, float] = (0.0, -4.0, 1.5)
    look_at: tuple[float, float, float] = (0.0, 0.0, 0.5)
    fov: float = 45.0
    up: tuple[float, float, float] = (0.0, 0.0, 1.0)
    motion: list[CameraMotion] = []


def cam(**kw) -> Cam:
    return Cam.model_validate(kw)


def fx_of(fov_deg: float, height: int = H) -> float:
    return 0.5 * height / np.tan(np.radians(fov_deg) / 2)


def quat_close(a, b, atol=1e-9) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return np.allclose(a, b, atol=atol) or np.allclose(a, -b, atol=atol)


# ---------------------------------------------------------------------------------- easing
@pytest.mark.parametrize("name", list(EASINGS))
def test_easing_endpoints_and_monotonic(name):
    u = np.linspace(0, 1, 1001)
    e = ease(name, u)
    assert e[0] == pytest.approx(0.0, abs=1e-15)
    assert e[-1] == pytest.approx(1.0, abs=1e-15)
    assert np.all(np.diff(e) >= -1e-15)
    # clipped outside [0, 1]
    assert ease(name, -0.5) == pytest.approx(0.0) and ease(name, 2.0) == pytest.approx(1.0)


def test_easing_shapes():
    assert ease("smooth", 0.5) == pytest.approx(0.5)
    assert ease("smooth", 0.25) == pytest.approx(3 * 0.25**2 - 2 * 0.25**3)
    assert ease("ease_in", 0.5) == pytest.approx(0.125)
    assert ease("ease_out", 0.5) == pytest.approx(0.875)
    assert ease("ease_in_out", 0.25) == pytest.approx(4 * 0.25**3)
    assert ease("ease_in_out", 0.75) == pytest.approx(1 - 4 * 0.25**3)
    h = 1e-6  # zero slope of smoothstep at both ends, slope 1.5 in the middle
    assert ease("smooth", h) / h < 1e-5
    assert (1 - ease("smooth", 1 - h)) / h < 1e-5
    assert (ease("smooth", 0.5 + h) - ease("smooth", 0.5 - h)) / (2 * h) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="unknown easing 'bouncy'"):
        ease("bouncy", 0.5)


# ---------------------------------------------------------------------------- interpolation
def test_interpolate_vectors_holds_and_passes_keys():
    times = [1.0, 2.0, 4.0]
    vals = [[0.0, 0.0], [2.0, 4.0], [2.0, 0.0]]
    t = np.array([0.0, 1.0, 1.5, 2.0, 3.0, 4.0, 9.0])
    out = interpolate_vectors(times, vals, t, "linear")
    assert out.shape == (7, 2)
    np.testing.assert_allclose(
        out, [[0, 0], [0, 0], [1, 2], [2, 4], [2, 2], [2, 0], [2, 0]], atol=1e-12
    )
    # per-key easing: key 0 eases its segment with ease_in, key 1 linearly
    out = interpolate_vectors(times, vals, [1.5, 3.0], ["ease_in", "linear", "smooth"])
    np.testing.assert_allclose(out, [[0.25, 0.5], [2.0, 2.0]], atol=1e-12)
    # scalar query, single key
    assert interpolate_vectors([0.5], [[7.0, 8.0]], 3.0).tolist() == [7.0, 8.0]
    with pytest.raises(ValueError, match="strictly increasing"):
        interpolate_vectors([0.0, 0.0], [[0.0], [1.0]], 0.5)


def test_slerp_unit_hits_keys_and_takes_short_arc():
    q0 = quat_from_euler_degrees([0, 0, 0])
    q1 = quat_from_euler_degrees([0, 0, 90])
    u = np.linspace(0, 1, 11)
    q = slerp(q0, q1, u)
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-12)
    assert quat_close(q[0], q0) and quat_close(q[-1], q1)
    # constant angular speed: angle about z grows linearly
    yaw = Rotation.from_quat(q).as_euler("xyz", degrees=True)[:, 2]
    np.testing.assert_allclose(yaw, 90 * u, atol=1e-9)
    # -q1 is the same rotation: still the short 90 degree way round
    yaw = Rotation.from_quat(slerp(q0, -q1, 0.5)).as_euler("xyz", degrees=True)[2]
    assert yaw == pytest.approx(45.0)


def test_interpolate_rotations_keys_and_hold():
    times = [0.0, 1.0, 3.0]
    quats = Rotation.from_euler("xyz", [[0, 0, 0], [90, 0, 0], [90, 0, 90]], degrees=True)
    quats = quats.as_quat()
    t = np.array([-1.0, 0.0, 0.5, 1.0, 3.0, 5.0])
    q = interpolate_rotations(times, quats, t, "linear")
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-12)
    for got, want in zip(q[[0, 1, 3, 4, 5]], quats[[0, 0, 1, 2, 2]], strict=True):
        assert quat_close(got, want)
    assert quat_close(q[2], Rotation.from_euler("x", 45, degrees=True).as_quat())


def test_euler_matches_scipy_extrinsic_xyz():
    rng = np.random.default_rng(3)
    angles = rng.uniform(-180, 180, size=(20, 3))
    want = Rotation.from_euler("xyz", angles, degrees=True).as_quat()
    got = quat_from_euler_degrees(angles)
    for g, w in zip(got, want, strict=True):
        assert quat_close(g, w, atol=1e-12)


# ------------------------------------------------------------------------------ keyed poses
def test_keyed_pose_positions_and_multi_turn_euler():
    keys = TypeAdapter(Keyframes).validate_python(
        [
            {"time": 0, "position": [0, 0, 0], "rotation": [0, 0, 0], "easing": "linear"},
            {"time": 2, "position": [2, 0, 1], "rotation": [0, 0, 720], "easing": "linear"},
        ]
    )
    pose = sample_keyed_pose(keys, 0.5)
    np.testing.assert_allclose(pose.position, [0.5, 0, 0.25], atol=1e-12)
    # 720 deg over 2 s: at 0.5 s the object has turned 180 deg (Euler keys are not slerped)
    assert quat_close(pose.quaternion, [0, 0, 1, 0])
    assert quat_close(
        sample_keyed_pose(keys, 0.25).quaternion, [0, 0, np.sin(np.pi / 4), np.cos(np.pi / 4)]
    )
    # held before and after
    before, after = sample_keyed_pose(keys, np.array([-1.0, 5.0]))
    np.testing.assert_allclose(before, [[0, 0, 0], [2, 0, 1]], atol=1e-12)
    assert quat_close(after[0], [0, 0, 0, 1]) and quat_close(after[1], [0, 0, 0, 1])


def test_keyed_pose_quaternion_keys_partial_channels_and_defaults():
    keys = [
        Keyframe(time=0, quaternion=(0, 0, 0, 1), easing="linear"),
        Keyframe(time=1, position=(1, 1, 1)),
        Keyframe(time=2, quaternion=(1, 0, 0, 0)),  # 180 deg about x, slerped
    ]
    pose = sample_keyed_pose(keys, 1.0)
    np.testing.assert_allclose(pose.position, [1, 1, 1])  # the only position key, held
    assert quat_close(pose.quaternion, Rotation.from_euler("x", 90, degrees=True).as_quat())
    only_pos = [Keyframe(time=0, position=(1, 2, 3))]
    pose = sample_keyed_pose(only_pos, 4.0, default_quaternion=(0, 0, 1, 1))
    assert quat_close(pose.quaternion, np.array([0, 0, 1, 1]) / np.sqrt(2))
    only_rot = [Keyframe(time=0, rotation=(0, 0, 30))]
    np.testing.assert_allclose(sample_keyed_pose(only_rot, 1.0, (5, 6, 7)).position, [5, 6, 7])


def test_keyed_pose_smooth_easing_rests_at_keys():
    keys = [Keyframe(time=0, position=(0, 0, 0)), Keyframe(time=1, position=(1, 0, 0))]
    dt = 1e-4
    assert np.linalg.norm(keyed_velocity(keys, 0.0, dt).linear) < 1e-3
    assert np.linalg.norm(keyed_velocity(keys, 1.0 - dt, dt).linear) < 1e-3
    assert keyed_velocity(keys, 0.5, dt).linear[0] == pytest.approx(1.5, rel=1e-6)


def test_keyed_velocity_reproduces_the_motion_exactly():
    keys = [
        Keyframe(time=0, position=(0, 0, 0), rotation=(0, 0, 0), easing="linear"),
        Keyframe(time=2, position=(4, -2, 1), rotation=(0, 0, 180), easing="linear"),
    ]
    dt = 1 / 240
    v = keyed_velocity(keys, 0.7, dt)
    np.testing.assert_allclose(v.linear, [2, -1, 0.5], atol=1e-9)
    np.testing.assert_allclose(v.angular, [0, 0, np.pi / 2], atol=1e-9)
    # smooth easing, tilted axis: integrating (v, w) for dt lands on the next keyed pose
    keys = [
        Keyframe(time=0, position=(0, 0, 0), quaternion=(0, 0, 0, 1)),
        Keyframe(
            time=1,
            position=(1, 2, 0),
            quaternion=tuple(Rotation.from_rotvec([1, 2, 0.5]).as_quat()),
        ),
    ]
    t = 0.3
    v = keyed_velocity(keys, t, dt)
    p0, q0 = sample_keyed_pose(keys, t)
    p1, q1 = sample_keyed_pose(keys, t + dt)
    np.testing.assert_allclose(p0 + v.linear * dt, p1, atol=1e-12)
    dq = Rotation.from_rotvec(v.angular * dt).as_quat()
    assert quat_close(quat_multiply(dq, q0), q1, atol=1e-12)
    # vectorized over many step times: same as one call per time
    ts = np.linspace(-0.2, 1.2, 50)
    many = keyed_velocity(keys, ts, dt)
    assert many.linear.shape == many.angular.shape == (50, 3)
    for j in (0, 17, 49):
        one = keyed_velocity(keys, ts[j], dt)
        np.testing.assert_allclose(many.linear[j], one.linear, atol=1e-12)
        np.testing.assert_allclose(many.angular[j], one.angular, atol=1e-12)
    np.testing.assert_allclose(many.linear[0], 0.0)  # before the first key: at rest
    with pytest.raises(ValueError, match="dt must be > 0"):
        keyed_velocity(keys, t, 0.0)


def test_keyframe_validation():
    with pytest.raises(ValidationError, match="not both"):
        Keyframe(time=0, rotation=(0, 0, 0), quaternion=(0, 0, 0, 1))
    with pytest.raises(ValidationError, match="at least one"):
        Keyframe(time=0)
    with pytest.raises(ValidationError):
        Keyframe(time=-1, position=(0, 0, 0))
    key = Keyframe(time=0, position=(0, 0, 0))
    with pytest.raises(ValidationError, match="frozen"):
        key.time = 1.0
    with pytest.raises(ValidationError, match="extra"):
        Keyframe(time=0, position=(0, 0, 0), fov=30)
    ta = TypeAdapter(Keyframes)
    with pytest.raises(ValidationError, match="strictly increase"):
        ta.validate_python([{"time": 1, "position": [0, 0, 0]}, {"time": 1, "position": [1, 0, 0]}])
    with pytest.raises(ValidationError, match="at least one key"):
        ta.validate_python([])


# ------------------------------------------------------------------------------- cameras
def centre_error(frames, points) -> float:
    """Largest pixel distance of ``points[i]`` from the image centre in frame ``i``."""
    errs = []
    for f, p in zip(frames, points, strict=True):
        uv, z = f.project(np.asarray(p, dtype=float))
        assert z > 0
        errs.append(np.hypot(uv[0] - W / 2, uv[1] - H / 2))
    return max(errs)


def test_no_motion_is_the_base_camera():
    frames = camera_frames(cam(position=(1, -3, 2), look_at=(0, 0, 0.5)), W, H, 5, 24)
    assert len(frames) == 5
    for f in frames:
        np.testing.assert_allclose(f.position, [1, -3, 2], atol=1e-12)
        np.testing.assert_allclose(f.K[0, 0], fx_of(45))
        assert (f.K[0, 2], f.K[1, 2]) == (W / 2, H / 2)


def test_orbit_counter_clockwise_keeps_target_centred():
    c = cam(position=(4, 0, 1), look_at=(0, 0, 0), motion=[{"type": "orbit", "degrees": 90}])
    frames = camera_frames(c, W, H, 25, 24)
    np.testing.assert_allclose(frames[0].position, [4, 0, 1], atol=1e-12)
    np.testing.assert_allclose(frames[-1].position, [0, 4, 1], atol=1e-12)
    mid = frames[12].position  # linear by default: 45 degrees at half time
    np.testing.assert_allclose(mid, [4 / np.sqrt(2), 4 / np.sqrt(2), 1], atol=1e-12)
    assert centre_error(frames, [[0, 0, 0]] * 25) < 1e-9
    for f in frames:
        assert np.linalg.norm(f.position - [0, 0, 1]) == pytest.approx(4.0)


def test_orbit_about_explicit_center_and_window():
    c = cam(
        position=(2, 0, 1),
        look_at=(1, 0, 1),
        motion=[{"type": "orbit", "degrees": 180, "center": [1, 0, 1], "start": 1, "end": 2}],
    )
    frames = camera_frames(c, W, H, 73, 24)  # 3 s
    for i in (0, 24):  # before start
        np.testing.assert_allclose(frames[i].position, [2, 0, 1], atol=1e-12)
    for i in (48, 72):  # after end
        np.testing.assert_allclose(frames[i].position, [0, 0, 1], atol=1e-12)


def test_dolly_reduces_distance_by_exactly_distance():
    c = cam(position=(0, -5, 1), look_at=(0, 0, 0.5), motion=[{"type": "dolly", "distance": 2}])
    frames = camera_frames(c, W, H, 10, 24)
    d0 = np.linalg.norm(frames[0].position - [0, 0, 0.5])
    d1 = np.linalg.norm(frames[-1].position - [0, 0, 0.5])
    assert d0 - d1 == pytest.approx(2.0, abs=1e-12)
    np.testing.assert_allclose(
        frames[-1].world_to_camera[:3, :3], frames[0].world_to_camera[:3, :3], atol=1e-12
    )
    too_far = cam(
        position=(0, -1, 0.5), look_at=(0, 0, 0.5), motion=[{"type": "dolly", "distance": 2}]
    )
    with pytest.raises(InputError, match="dolly of 2.0 m would reach or pass"):
        camera_frames(too_far, W, H, 10, 24)


def test_pan_moves_centre_point_left_by_fx_tan():
    c = cam(position=(0, -4, 1), look_at=(0, 0, 1), motion=[{"type": "pan", "degrees": 10}])
    frames = camera_frames(c, W, H, 5, 24)
    uv, _ = frames[-1].project(np.array([0, 0, 1.0]))
    fx = frames[-1].K[0, 0]
    assert uv[0] == pytest.approx(W / 2 - fx * np.tan(np.radians(10)), abs=1e-9)
    assert uv[1] == pytest.approx(H / 2, abs=1e-9)
    np.testing.assert_allclose(frames[-1].position, [0, -4, 1], atol=1e-12)


def test_tilt_up_moves_centre_point_down():
    c = cam(position=(0, -4, 1), look_at=(0, 0, 1), motion=[{"type": "tilt", "degrees": 10}])
    frames = camera_frames(c, W, H, 5, 24)
    uv, _ = frames[-1].project(np.array([0, 0, 1.0]))
    assert uv[1] == pytest.approx(H / 2 + frames[-1].K[1, 1] * np.tan(np.radians(10)), abs=1e-9)
    assert uv[0] == pytest.approx(W / 2, abs=1e-9)


def test_truck_and_move():
    c = cam(
        position=(0, -4, 1),
        look_at=(0, 0, 1),
        motion=[{"type": "truck", "distance": 1.5, "pedestal": 0.5}],
    )
    f = camera_frames(c, W, H, 5, 24)[-1]
    np.testing.assert_allclose(f.position, [1.5, -4, 1.5], atol=1e-12)
    uv, _ = f.project(np.array([1.5, 0, 1.5]))  # the look-at point moved with the camera
    np.testing.assert_allclose(uv, [W / 2, H / 2], atol=1e-9)
    c = cam(
        position=(0, -4, 1),
        look_at=(0, 0, 1),
        motion=[{"type": "move", "offset": [0, 0, 3], "keep_look_at": True}],
    )
    f = camera_frames(c, W, H, 5, 24)[-1]
    np.testing.assert_allclose(f.position, [0, -4, 4], atol=1e-12)
    np.testing.assert_allclose(f.project(np.array([0, 0, 1.0]))[0], [W / 2, H / 2], atol=1e-9)


def test_zoom_changes_fx():
    c = cam(motion=[{"type": "zoom", "fov": [60, 30], "easing": "linear"}])
    frames = camera_frames(c, W, H, 11, 10)
    assert frames[0].K[0, 0] == pytest.approx(fx_of(60))
    assert frames[-1].K[0, 0] == pytest.approx(fx_of(30))
    assert frames[-1].yfov == pytest.approx(np.radians(30))
    # focal length is interpolated linearly
    assert frames[5].K[0, 0] == pytest.approx(0.5 * (fx_of(60) + fx_of(30)))
    c = cam(fov=40, motion=[{"type": "zoom", "factor": 2}])
    frames = camera_frames(c, W, H, 3, 10)
    assert frames[-1].K[0, 0] == pytest.approx(2 * fx_of(40))
    c = cam(fov=40, motion=[{"type": "zoom", "to_fov": 20, "start": 0.1, "end": 0.2}])
    frames = camera_frames(c, W, H, 4, 10)
    assert [f.K[0, 0] for f in frames] == pytest.approx([fx_of(40)] * 2 + [fx_of(20)] * 2)


def moving_object(name: str, i: int) -> np.ndarray:
    assert name == "ball"
    t = i / 24
    return np.array([np.cos(t), np.sin(2 * t), 0.3 + 0.1 * t])


def test_follow_keeps_object_centred():
    c = cam(motion=[{"type": "follow", "object": "ball", "offset": [0, -3, 1]}])
    frames = camera_frames(c, W, H, 48, 24, object_position=moving_object)
    pts = [moving_object("ball", i) for i in range(48)]
    assert centre_error(frames, pts) < 1e-9
    for f, p in zip(frames, pts, strict=True):
        np.testing.assert_allclose(f.position, p + [0, -3, 1], atol=1e-12)
    # without an offset the camera stays put and turns to the object
    c = cam(position=(3, -3, 2), motion=[{"type": "follow", "object": "ball"}])
    frames = camera_frames(c, W, H, 48, 24, object_position=moving_object)
    assert centre_error(frames, pts) < 1e-9
    np.testing.assert_allclose(frames[-1].position, [3, -3, 2], atol=1e-12)


def test_follow_smoothing_is_exponential():
    def jump(name, i):
        return np.array([0.0 if i < 10 else 1.0, 0.0, 0.0])

    tau, fps = 0.5, 24
    c = cam(motion=[{"type": "follow", "object": "box", "offset": [0, -3, 0], "smoothing": tau}])
    frames = camera_frames(c, W, H, 60, fps, object_position=jump)
    x = np.array([f.position[0] for f in frames])
    n = np.arange(60)
    want = np.where(n < 10, 0.0, 1.0 - np.exp(-(n - 9) / (fps * tau)))
    np.testing.assert_allclose(x, want, atol=1e-12)
    assert x[9 + 12] == pytest.approx(1 - np.exp(-1))  # one time constant later


def test_follow_needs_positions_and_known_object():
    c = cam(motion=[{"type": "zoom", "to_fov": 30}, {"type": "follow", "object": "bal"}])
    with pytest.raises(InputError, match="no object positions"):
        camera_frames(c, W, H, 5, 24)
    # scene validation names unknown follow targets (with the camera's own path and a hint)
    from physreel import load_scene
    from physreel.errors import SceneError

    motion = [{"type": "zoom", "to_fov": 30}, {"type": "follow", "object": "bal"}]
    obj = {"shape": {"type": "sphere", "radius": 0.1}}
    with pytest.raises(SceneError) as err:
        load_scene({"objects": [{"name": "ball", **obj}, {"name": "floor", **obj}], "cameras": [{"motion": motion}]})
    problems = err.value.problems
    assert len(problems) == 1
    assert problems[0].path == "cameras[0].motion[1].object"
    assert "'bal'" in problems[0].message and "did you mean 'ball'" in problems[0].message
    load_scene({"objects": [{"name": "bal", **obj}], "cameras": [{"motion": motion}]})  # no error


def test_path_linear_passes_keys_and_midpoints():
    keys = [
        {"time": 0.5, "position": [0, -4, 1], "look_at": [0, 0, 0], "easing": "linear"},
        {"time": 1.5, "position": [2, -4, 3], "fov": 30, "easing": "linear"},
        {"time": 2.5, "position": [2, -2, 1], "look_at": [1, 0, 0]},
    ]
    c = cam(fov=60, motion=[{"type": "path", "keys": keys}])
    frames = camera_frames(c, W, H, 61, 20)  # t = i / 20 up to 3 s
    pos = np.array([f.position for f in frames])
    np.testing.assert_allclose(pos[0], [0, -4, 1], atol=1e-12)  # held before the first key
    np.testing.assert_allclose(pos[10], [0, -4, 1], atol=1e-12)
    np.testing.assert_allclose(pos[20], [1, -4, 2], atol=1e-12)  # halfway, linear
    np.testing.assert_allclose(pos[30], [2, -4, 3], atol=1e-12)
    np.testing.assert_allclose(pos[50], [2, -2, 1], atol=1e-12)
    np.testing.assert_allclose(pos[60], [2, -2, 1], atol=1e-12)  # held after
    # look_at keys at 0.5 and 2.5 (linear): at 1.5 the target is halfway
    uv, _ = frames[30].project(np.array([0.5, 0, 0]))
    np.testing.assert_allclose(uv, [W / 2, H / 2], atol=1e-9)
    # fov: only one key -> held everywhere
    assert frames[0].K[0, 0] == pytest.approx(fx_of(30))


def test_path_smooth_easing_rests_at_keys():
    keys = [
        {"time": 0, "position": [0, -4, 1]},
        {"time": 1, "position": [2, -4, 1]},
        {"time": 2, "position": [2, -2, 1]},
    ]
    c = cam(look_at=(0, 0, 0), motion=[{"type": "path", "keys": keys}])
    fps = 1000
    pos = np.array([f.position for f in camera_frames(c, W, H, 2001, fps)])
    speed = np.linalg.norm(np.diff(pos, axis=0), axis=1) * fps
    # average speed of a segment is 2 m/s, smoothstep peaks at 1.5x that; near keys ~0
    assert speed.max() == pytest.approx(3.0, rel=1e-3)
    for k in (0, 1000, 2000):  # speed in the 1 ms next to a key: O(dt), < 1 % of the peak
        near = [i for i in (k - 1, k) if 0 <= i < speed.size]
        assert speed[near].max() < 0.01 * 3.0
    np.testing.assert_allclose(pos[1000], [2, -4, 1], atol=1e-12)


def shake_rotvecs(c_shake, c_still, n=600, fps=60, **kw):
    a = camera_frames(c_shake, W, H, n, fps, **kw)
    b = camera_frames(c_still, W, H, n, fps)
    d = [
        fa.world_to_camera[:3, :3] @ fb.world_to_camera[:3, :3].T
        for fa, fb in zip(a, b, strict=True)
    ]
    return Rotation.from_matrix(np.array(d)).as_rotvec(degrees=True), a


def test_shake_deterministic_bounded_and_seeded():
    still = cam(position=(0, -4, 1), look_at=(0, 0, 1))
    amp = 0.5
    shaken = cam(
        position=(0, -4, 1),
        look_at=(0, 0, 1),
        motion=[{"type": "shake", "amplitude": amp, "frequency": 2, "seed": 7}],
    )
    rv1, f1 = shake_rotvecs(shaken, still)
    rv2, f2 = shake_rotvecs(shaken, still)
    np.testing.assert_array_equal(rv1, rv2)  # same seed: same shake
    assert np.all(np.abs(rv1[:, :2]) <= amp + 1e-9)
    assert np.all(np.abs(rv1[:, 2]) <= amp / 2 + 1e-9)
    assert np.abs(rv1[:, :2]).max() > 0.3 * amp  # it does shake
    # smooth: no component exceeds 2x the nominal frequency, so the rate is bounded by
    # amp * 2 pi * 2 f (white noise would jump by up to 2 amp between frames)
    assert np.abs(np.diff(rv1, axis=0)).max() <= amp * 2 * np.pi * 2 * 2 / 60
    other = cam(
        position=(0, -4, 1),
        look_at=(0, 0, 1),
        motion=[{"type": "shake", "amplitude": amp, "frequency": 2, "seed": 8}],
    )
    rv3, _ = shake_rotvecs(other, still)
    assert np.abs(rv3 - rv1).max() > 0.1 * amp
    # no position amplitude: the camera does not move
    np.testing.assert_allclose([f.position for f in f1], [[0, -4, 1]] * 600, atol=1e-12)


def test_shake_from_rng_and_position_amplitude():
    c = cam(
        position=(0, -4, 1),
        look_at=(0, 0, 1),
        motion=[
            {"type": "shake", "amplitude": 0, "position_amplitude": 0.02, "start": 1, "end": 5}
        ],
    )
    with pytest.raises(InputError, match="no random generator"):
        camera_frames(c, W, H, 10, 24)
    a = camera_frames(c, W, H, 240, 24, rng=np.random.default_rng(1))
    b = camera_frames(c, W, H, 240, 24, rng=np.random.default_rng(1))
    d = camera_frames(c, W, H, 240, 24, rng=np.random.default_rng(2))
    pa = np.array([f.position for f in a])
    np.testing.assert_array_equal(pa, np.array([f.position for f in b]))
    assert np.abs(pa - np.array([f.position for f in d])).max() > 1e-3
    off = pa - [0, -4, 1]
    assert np.all(np.abs(off) <= 0.02 + 1e-12)
    assert np.abs(off).max() > 0.005
    np.testing.assert_allclose(off[:25], 0, atol=1e-15)  # before start
    np.testing.assert_allclose(off[121:], 0, atol=1e-15)  # after end
    # amplitude 0: the orientation never changes
    for f in a:
        np.testing.assert_allclose(
            f.world_to_camera[:3, :3], a[0].world_to_camera[:3, :3], atol=1e-12
        )


def test_motions_compose_in_order():
    # orbit 90 then dolly 1: ends at distance 3 on the +y side; zoom is independent
    c = cam(
        position=(4, 0, 0),
        look_at=(0, 0, 0),
        motion=[
            {"type": "orbit", "degrees": 90},
            {"type": "dolly", "distance": 1},
            {"type": "zoom", "to_fov": 30},
        ],
    )
    f = camera_frames(c, W, H, 5, 24)[-1]
    np.testing.assert_allclose(f.position, [0, 3, 0], atol=1e-12)
    assert f.K[0, 0] == pytest.approx(fx_of(30))
    # dolly first then orbit: same result here (orbit about the look-at point)
    c2 = cam(
        position=(4, 0, 0),
        look_at=(0, 0, 0),
        motion=[{"type": "dolly", "distance": 1}, {"type": "orbit", "degrees": 90}],
    )
    np.testing.assert_allclose(camera_frames(c2, W, H, 5, 24)[-1].position, [0, 3, 0], atol=1e-12)
    # a one-frame clip shows the start of every motion
    one = camera_frames(c, W, H, 1, 24)[0]
    np.testing.assert_allclose(one.position, [4, 0, 0], atol=1e-12)


def test_motion_validation():
    ta = TypeAdapter(CameraMotion)
    with pytest.raises(ValidationError, match="does not match any of the expected tags"):
        ta.validate_python({"type": "spin", "degrees": 10})
    with pytest.raises(ValidationError, match="exactly one"):
        ZoomMotion(fov=(40, 20), to_fov=10)
    with pytest.raises(ValidationError, match="must be after 'start'"):
        ta.validate_python({"type": "pan", "degrees": 5, "start": 2, "end": 1})
    with pytest.raises(ValidationError, match="strictly increase"):
        PathMotion.model_validate({"keys": [{"time": 1, "fov": 30}, {"time": 0.5, "fov": 40}]})
    with pytest.raises(ValidationError, match="extra"):
        ta.validate_python({"type": "orbit", "degrees": 10, "speed": 3})
    with pytest.raises(ValidationError):
        ta.validate_python({"type": "zoom", "to_fov": 179})
    m = ta.validate_python({"type": "orbit"})
    assert (m.degrees, m.axis, m.easing) == (360.0, "z", "linear")


def test_follow_window_holds_after_end():
    c = cam(
        position=(0, -4, 1),
        motion=[{"type": "follow", "object": "ball", "offset": [0, -2, 1], "start": 1, "end": 1.5}],
    )
    frames = camera_frames(c, W, H, 72, 24, object_position=moving_object)
    np.testing.assert_allclose(frames[23].position, [0, -4, 1], atol=1e-12)  # before start
    np.testing.assert_allclose(frames[24].position, moving_object("ball", 24) + [0, -2, 1])
    frozen = moving_object("ball", 36) + [0, -2, 1]
    for i in (36, 50, 71):
        np.testing.assert_allclose(frames[i].position, frozen, atol=1e-12)
        uv, _ = frames[i].project(moving_object("ball", 36))
        np.testing.assert_allclose(uv, [W / 2, H / 2], atol=1e-9)


def test_camera_on_its_look_at_point_is_an_input_error():
    c = cam(
        position=(0, -4, 1),
        look_at=(0, 0, 1),
        motion=[{"type": "move", "offset": [0, 4, 0], "keep_look_at": True}],
    )
    with pytest.raises(InputError, match="on its look_at point"):
        camera_frames(c, W, H, 5, 24)
