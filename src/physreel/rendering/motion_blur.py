"""Motion blur: the colour image exposed over the shutter time, as a film camera exposes it.

Frame ``f`` shows the world at ``t = f / fps``; with ``render.shutter = s`` (frames) its colour
image is the average of images at times ``f + s (k + 1/2) / K - s / 2``, k = 0 .. K-1 (K odd,
so the middle one is the frame itself), of the scene as it moved: object poses between frames
follow a cubic (Catmull-Rom: positions with tangents from the neighbouring frames -- exact for
free fall and constant speed), orientations turn at a constant rate (slerp), the camera
likewise.  K grows with the largest on-screen motion over the shutter, about one sample per
2 pixels, so a smear has no visible steps; nothing moving: no extra work.

The samples are averaged in linear light on the GPU (``glsl/motion_blur.frag``).  Where every
sample equals the middle one nothing moved across the pixel and it keeps the sharp,
anti-aliased frame's value, byte for byte; elsewhere it is the samples' mean (whose edges the
motion itself smooths).  Ground truth is never blurred: it is the frame at the shutter's
centre.  Skinned people are drawn at the nearest frame in each sample.
"""

from __future__ import annotations

import numpy as np

from ..physics.trajectory import Trajectory
from ..quaternions import qslerp
from ..transforms import pose_to_matrix
from .camera import CameraFrame

#: Pixels of on-screen motion per sample (the smear's steps stay under this).
PIXELS_PER_SAMPLE = 2.0
#: Most samples per frame.
MAX_SAMPLES = 31


def sample_times(shutter: float, samples: int) -> np.ndarray:
    """(K,) offsets in frames from the frame's time of the K samples of a shutter of
    ``shutter`` frames (centred, the middle one 0 when K is odd)."""
    k = np.arange(samples)
    return shutter * ((k + 0.5) / samples - 0.5)


def _hermite(p0, p1, m0, m1, t: float) -> np.ndarray:
    t2, t3 = t * t, t * t * t
    return (2 * t3 - 3 * t2 + 1) * p0 + (t3 - 2 * t2 + t) * m0 + (-2 * t3 + 3 * t2) * p1 + (t3 - t2) * m1


def poses_at(traj: Trajectory, t: float) -> np.ndarray:
    """(N, 4, 4) object-to-world poses at fractional frame ``t`` (clamped to the clip)."""
    last = traj.num_frames - 1
    t = float(np.clip(t, 0.0, last))
    i = min(int(np.floor(t)), max(last - 1, 0))
    u = t - i
    j = min(i + 1, last)
    pos, quat = traj.position, traj.quaternion
    # tangents (metres per frame) from the neighbouring frames, one-sided at the ends
    m_i = (pos[j] - pos[max(i - 1, 0)]) / max(j - max(i - 1, 0), 1)
    m_j = (pos[min(j + 1, last)] - pos[i]) / max(min(j + 1, last) - i, 1)
    p = _hermite(pos[i], pos[j], m_i, m_j, u)
    q = qslerp(quat[i], quat[j], u)
    p = np.nan_to_num(np.where(np.isfinite(p), p, pos[i if u < 0.5 else j]))
    q = np.nan_to_num(np.where(np.isfinite(q), q, quat[i if u < 0.5 else j]))
    return np.stack([pose_to_matrix(p[n], q[n]) for n in range(len(p))]) if len(p) else np.zeros((0, 4, 4))


def camera_at(views: list[CameraFrame], t: float) -> CameraFrame:
    """The camera at fractional frame ``t``: position and intrinsics interpolated linearly,
    orientation by slerp (exact for a still camera)."""
    last = len(views) - 1
    t = float(np.clip(t, 0.0, last))
    i = min(int(np.floor(t)), max(last - 1, 0))
    u = t - i
    a, b = views[i], views[min(i + 1, last)]
    if u == 0.0 or a is b or (np.array_equal(a.world_to_camera, b.world_to_camera) and np.array_equal(a.K, b.K)):
        return a if u < 0.5 else b
    from ..transforms import matrix_to_quat, quat_to_matrix

    ra, rb = a.world_to_camera[:3, :3], b.world_to_camera[:3, :3]
    qa, qb = matrix_to_quat(ra.T)[None], matrix_to_quat(rb.T)[None]
    r = quat_to_matrix(qslerp(qa, qb, u)[0]).T  # world -> camera rotation
    ca, cb = a.position, b.position
    c = ca + (cb - ca) * u
    w2c = np.eye(4)
    w2c[:3, :3] = r
    w2c[:3, 3] = -r @ c
    return CameraFrame(a.width, a.height, a.K + (b.K - a.K) * u, w2c, a.yfov + (b.yfov - a.yfov) * u)


def samples_needed(shutter: float, views: list[CameraFrame], traj: Trajectory, f: int,
                   centres: np.ndarray, radii: np.ndarray, pixels: float = PIXELS_PER_SAMPLE,
                   most: int = MAX_SAMPLES) -> int:
    """Odd number of samples for frame ``f``: the largest on-screen motion over the shutter
    (objects' bounding-sphere centres, ``centres`` (N, 3) in their object frames with
    ``radii`` (N,), and the camera's turn and move) over ``pixels``, at most ``most``."""
    t0, t1 = f - shutter / 2.0, f + shutter / 2.0
    cams = [camera_at(views, t) for t in (t0, f, t1)]
    poses = [poses_at(traj, t) for t in (t0, t1)]
    pts = [np.einsum("nij,nj->ni", p[:, :3, :3], centres) + p[:, :3, 3] for p in poses]
    move = 0.0
    keep = radii > 0
    if keep.any():
        a, za = cams[0].project(pts[0][keep])
        b, zb = cams[2].project(pts[1][keep])
        ok = (za > 1e-3) & (zb > 1e-3)
        if ok.any():
            move = float(np.max(np.linalg.norm(a[ok] - b[ok], axis=1)))
    # the camera's own motion: the image corners' directions, seen a metre and far away
    w, h = cams[1].width, cams[1].height
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], dtype=np.float64)
    for cam_a, cam_b in ((cams[0], cams[2]),):
        if np.array_equal(cam_a.world_to_camera, cam_b.world_to_camera) and np.array_equal(cam_a.K, cam_b.K):
            continue
        rays = np.linalg.inv(cam_a.K) @ np.vstack([corners.T, np.ones(4)])
        for dist in (1.0, 1e4):
            world = (rays.T * dist - cam_a.world_to_camera[:3, 3]) @ cam_a.world_to_camera[:3, :3]
            uv, z = cam_b.project(world)
            if (z > 1e-3).all():
                move = max(move, float(np.max(np.linalg.norm(uv - corners, axis=1))))
    k = int(np.ceil(move / pixels))
    if k <= 1:
        return 1
    return int(min(k | 1, most | 1))


class Shutter:
    """What the renderer needs to expose a frame over the shutter: the trajectory and the
    camera's views (one per frame).

    Parameters
    ----------
    shutter : float, frames (0 < s <= 1)
    traj : Trajectory
    views : list of CameraFrame, one per frame
    """

    def __init__(self, shutter: float, traj: Trajectory, views: list[CameraFrame]):
        self.shutter, self.traj, self.views = float(shutter), traj, list(views)

    def offsets(self, f: int, centres: np.ndarray, radii: np.ndarray, pixels: float = PIXELS_PER_SAMPLE,
                most: int = MAX_SAMPLES) -> np.ndarray:
        """(K,) sample offsets (frames) for frame ``f`` (just [0.] when nothing moves)."""
        k = samples_needed(self.shutter, self.views, self.traj, f, centres, radii, pixels, most)
        return sample_times(self.shutter, k)

    def at(self, f: int, offset: float) -> tuple[CameraFrame, np.ndarray, np.ndarray]:
        """(camera, poses (N, 4, 4), present (N,)) at frame ``f + offset``."""
        t = f + offset
        near = int(np.clip(round(t), 0, self.traj.num_frames - 1))
        return camera_at(self.views, t), poses_at(self.traj, t), self.traj.present[near]


class Accumulator:
    """The GPU side: adds sample images in linear light and composites the blurred frame."""

    def __init__(self, ctx, width: int, height: int):
        from .glutil import Texture2D, gl

        self.ctx, self.width, self.height = ctx, width, height
        self.sharp = Texture2D(width, height, gl.GL_RGBA8)
        self.middle = Texture2D(width, height, gl.GL_RGBA8)

    def _target(self, name: str, fmt: int):
        from .glutil import Target

        w, h = self.width, self.height
        return self.ctx.target((name, w, h), lambda: Target(w, h, [("color", fmt)], depth_format=None))

    def begin(self, sharp: np.ndarray) -> None:
        """Start a frame whose sharp image is ``sharp`` (H, W, 3) uint8."""
        from .glutil import gl

        self.sharp.bind(0)
        gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
        gl.glTexSubImage2D(gl.GL_TEXTURE_2D, 0, 0, 0, self.width, self.height, gl.GL_RGB, gl.GL_UNSIGNED_BYTE,
                           np.ascontiguousarray(sharp))
        acc = self._target("mb_mean", gl.GL_RGBA32F)
        acc.bind()
        acc.clear("color", (0.0, 0.0, 0.0, 0.0))

    def add(self, image, weight: float, middle: bool) -> None:
        """Add a sample image (a colour texture, encoded) with ``weight``; keep the middle one."""
        from .glutil import copy_texture, gl

        if middle:
            copy_texture(image, self.middle)
        acc = self._target("mb_mean", gl.GL_RGBA32F)
        acc.bind()
        gl.glDisable(gl.GL_DEPTH_TEST)
        gl.glEnable(gl.GL_BLEND)
        gl.glBlendFunc(gl.GL_ONE, gl.GL_ONE)
        prog = self.ctx.program("screen.vert", "motion_blur.frag", {"MB_PASS": 1}).use()
        image.bind(0)
        prog.int("u_image", 0)
        prog.vec("u_weight", weight)
        self.ctx.draw_screen()
        gl.glDisable(gl.GL_BLEND)
        gl.glEnable(gl.GL_DEPTH_TEST)

    def finish(self) -> np.ndarray:
        """(H, W, 3) uint8: the blurred frame."""
        from .glutil import gl

        out = self._target("mb_out", gl.GL_RGBA8)
        out.bind()
        gl.glDisable(gl.GL_DEPTH_TEST)
        prog = self.ctx.program("screen.vert", "motion_blur.frag", {"MB_PASS": 2}).use()
        self.sharp.bind(0)
        prog.int("u_image", 0)
        self._target("mb_mean", gl.GL_RGBA32F).textures["color"].bind(1)
        prog.int("u_mean", 1)
        self.middle.bind(2)
        prog.int("u_middle", 2)
        self.ctx.draw_screen()
        gl.glEnable(gl.GL_DEPTH_TEST)
        return out.read("color", gl.GL_RGB, np.uint8, 3)

    def delete(self) -> None:
        self.sharp.delete()
        self.middle.delete()
