"""The peer: the same clip made with what a pybullet user already has.

    python benchmarks/peer_tinyrenderer.py OUT.mp4 [--size 512] [--frames 120] [--renderer tiny|egl]

A 10 x 10 m ground box, 5 boxes and 5 spheres as pybullet primitives (collision and visual
shapes), simulated at 240 Hz with 10 steps per frame at 24 fps, each frame rendered with
``getCameraImage`` (RGB + depth + segmentation; TinyRenderer on the CPU by default) and the RGB
streamed to H.264 through imageio-ffmpeg with the same encoder settings physreel uses.  The
process is timed whole (imports included) by the caller, like ``physreel render``.
"""

from __future__ import annotations

import argparse
import math


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--renderer", choices=["tiny", "egl"], default="tiny")
    a = ap.parse_args()

    import imageio.v2 as iio
    import numpy as np
    import pybullet as p

    c = p.connect(p.DIRECT)
    p.setGravity(0, 0, -9.81, physicsClientId=c)
    p.setTimeStep(1 / 240, physicsClientId=c)
    if a.renderer == "egl":
        import pkgutil

        egl = pkgutil.get_loader("eglRenderer")
        p.loadPlugin(egl.get_filename(), "_eglRendererPlugin", physicsClientId=c)

    def body(kind: str, size, position, color, mass, euler_deg=(0, 0, 0)):
        if kind == "box":
            col = p.createCollisionShape(p.GEOM_BOX, halfExtents=size, physicsClientId=c)
            vis = p.createVisualShape(p.GEOM_BOX, halfExtents=size, rgbaColor=color, physicsClientId=c)
        else:
            col = p.createCollisionShape(p.GEOM_SPHERE, radius=size, physicsClientId=c)
            vis = p.createVisualShape(p.GEOM_SPHERE, radius=size, rgbaColor=color, physicsClientId=c)
        # getQuaternionFromEuler: about X, then Y, then Z (world axes), like physreel's rotation
        q = p.getQuaternionFromEuler([math.radians(a) for a in euler_deg])
        b = p.createMultiBody(mass, col, vis, position, q, physicsClientId=c)
        p.changeDynamics(b, -1, linearDamping=0, angularDamping=0, physicsClientId=c)
        return b

    body("box", [5, 5, 0.05], [0, 0, -0.05], [0.55, 0.55, 0.53, 1], 0)
    colors = [[0.62, 0.42, 0.24, 1], [0.75, 0.12, 0.1, 1], [0.15, 0.45, 0.85, 1], [0.72, 0.73, 0.75, 1],
              [0.93, 0.92, 0.88, 1]]
    for i in range(10):
        pos = [(i % 5 - 2) * 0.45, (i // 5) * 0.5 - 0.25, 0.4 + 0.25 * i]
        if i % 2 == 0:
            body("box", [0.125] * 3, pos, colors[i % 5], 1.0, (10 * i, 5 * i, 0))
        else:
            body("sphere", 0.13, pos, colors[i % 5], 1.0)

    w = h = a.size
    view = p.computeViewMatrix([0, -3.2, 1.6], [0, 0, 0.3], [0, 0, 1], physicsClientId=c)
    proj = p.computeProjectionMatrixFOV(45, w / h, 0.05, 50, physicsClientId=c)
    light = [-0.45 * 10, 0.6 * 10, 10]
    renderer = p.ER_TINY_RENDERER if a.renderer == "tiny" else p.ER_BULLET_HARDWARE_OPENGL
    writer = iio.get_writer(a.out, format="FFMPEG", mode="I", fps=24, codec="libx264", quality=None,
                            pixelformat="yuv420p", macro_block_size=2,
                            ffmpeg_params=["-crf", "18", "-preset", "veryfast", "-threads", "1", "-bf", "0"],
                            ffmpeg_log_level="error")
    checksum = 0.0
    for _ in range(a.frames):
        _, _, rgba, depth, seg = p.getCameraImage(w, h, view, proj, lightDirection=light, shadow=0,
                                                  renderer=renderer, physicsClientId=c)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(h, w, 4)[..., :3]
        writer.append_data(np.ascontiguousarray(rgb))
        checksum += float(np.asarray(depth).reshape(-1)[0]) + float(np.asarray(seg).reshape(-1)[0])
        for _ in range(10):
            p.stepSimulation(physicsClientId=c)
    writer.close()
    p.disconnect(c)
    assert math.isfinite(checksum)


if __name__ == "__main__":
    main()
