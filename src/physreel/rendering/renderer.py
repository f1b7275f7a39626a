"""The offscreen renderer: one GL context, meshes uploaded once, poses updated per frame.

Colours in scene files are sRGB (what you see on screen); pyrender shades in linear space and
converts to sRGB at the end, so base colours are converted to linear here.
"""

from __future__ import annotations

import numpy as np

from ..assembly import Assembly, Look
from ..colors import srgb_to_linear
from ..physics.trajectory import Trajectory
from ..scene.materials import MaterialProps
from ..scene.models import DirectionalLight, PointLight, Scene, SpotLight
from .camera import CameraFrame, look_at
from .gl import offscreen_renderer


def default_lights(scene: Scene) -> list:
    """The rig used when a scene names no lights: a key sun with shadows, a fill, a rim."""
    return [
        DirectionalLight(direction=(-0.45, 0.6, -1.0), intensity=3.2, shadows=scene.render.shadows),
        DirectionalLight(direction=(0.7, 0.3, -0.5), intensity=1.0),
        DirectionalLight(direction=(0.1, -0.9, -0.35), intensity=0.8),
    ]


class SceneRenderer:
    """Renders the bodies of a simulation at given poses through given cameras.

    Parameters
    ----------
    assembly : Assembly
        The built scene: every object's meshes and look.
    trajectory : Trajectory
        The bodies to draw (``trajectory.names``, the order of the pose arrays passed to
        :meth:`set_poses`); bodies created during the simulation (fracture pieces) take their
        geometry from ``trajectory.extra_geometry`` and the look of the object they came from.
    width, height : int
        Image size in pixels.
    focus : (centre (3,), radius) or None
        Region where things happen, used to fit shadow maps (default: the whole scene).
    """

    def __init__(
        self,
        assembly: Assembly,
        trajectory: Trajectory,
        width: int,
        height: int,
        focus: tuple[np.ndarray, float] | None = None,
    ):
        from .gl import platform

        platform()  # choose EGL/OSMesa before pyrender (and PyOpenGL) is first imported
        import pyrender

        from .pyrender_ext import BoundedScene

        self._pyrender = pyrender
        scene = assembly.scene
        self.width, self.height = width, height
        self.names = list(trajectory.names)
        self._r = offscreen_renderer(width, height)
        try:
            bg = list(srgb_to_linear(scene.background)) + [1.0]
            self.pscene = BoundedScene(bg_color=bg, ambient_light=[scene.ambient * 0.3] * 3)
            if focus is not None:
                self.pscene.shadow_centroid = np.asarray(focus[0], dtype=np.float64)
                self.pscene.shadow_scale = float(max(focus[1] * 2.0, 1.0))
            self.ground_node = None
            if assembly.ground is not None:
                self._add_ground(assembly)
            self.nodes = []
            # People with a skin are drawn as their mesh, skinned per frame (set_poses(frame=));
            # their physics parts have nothing to draw.
            from .people import skin_material, skin_tracks

            self.skins = skin_tracks(assembly, trajectory)
            self._skin_materials = {}
            for i, name in enumerate(self.names):
                built = assembly[trajectory.root_of(name)]
                geom = trajectory.extra_geometry.get(name) or assembly[name].geometry
                if name in self.skins:
                    mat = skin_material(pyrender, self.skins[name].skin, self._material(built.material))
                    self._skin_materials[name] = mat
                    node = self.pscene.add(self._skin_mesh(i, 0, trajectory.pose_matrix(0, i)), name=name)
                elif not geom.visual:
                    node = None
                else:
                    node = self.pscene.add(self._object_mesh(geom, built.material, built.look), name=name)
                self.nodes.append(node)
            self._add_lights(scene.lights if scene.lights is not None else default_lights(scene))
            self._cam_node = None
            self._cam_fov = None
            self.shadows = any(
                getattr(light, "shadows", False)
                for light in (scene.lights if scene.lights is not None else default_lights(scene))
            )
            self.antialias = scene.render.antialias
        except Exception:
            self.close()
            raise

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> SceneRenderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "_r", None) is not None:
            self._r.delete()
            self._r = None

    # ------------------------------------------------------------------ building
    def _material(self, mat: MaterialProps, base_texture=None):
        pr = self._pyrender
        color = list(srgb_to_linear(mat.color)) + [float(mat.opacity)]
        return pr.MetallicRoughnessMaterial(
            baseColorFactor=color,
            metallicFactor=float(mat.metallic),
            roughnessFactor=float(max(mat.roughness, 0.04)),
            alphaMode="BLEND" if mat.opacity < 1.0 else "OPAQUE",
            baseColorTexture=base_texture,
            doubleSided=False,
        )

    def _object_mesh(self, geom, mat: MaterialProps, look: Look):
        """pyrender mesh of one object.

        A mesh file keeps its own textures, vertex colours and PBR factors unless the object
        sets ``color`` or ``texture``.  ``texture`` ("checker" or an image file) is mapped with
        the mesh's UVs when it has them, else projected along each face's dominant axis with
        one texture tile per ``texture_scale`` metres.
        """
        pr = self._pyrender
        texture = look.texture
        prims = []
        for m in geom.visual:
            has_own_look = getattr(m.visual, "kind", None) in ("texture", "vertex") and geom.kind in ("mesh", "compound")
            if texture is not None:
                prims.append(self._textured_primitive(m, mat, texture, look.texture_scale))
            elif has_own_look and look.keep_mesh_look:
                prims.extend(pr.Mesh.from_trimesh(m, smooth=True).primitives)
            else:
                prims.extend(pr.Mesh.from_trimesh(m, material=self._material(mat), smooth=True).primitives)
        return pr.Mesh(prims)

    def _textured_primitive(self, m, mat: MaterialProps, texture: str, scale: float | None):
        pr = self._pyrender
        from .textures import load_texture

        img = load_texture(texture, mat.color)
        faces = np.asarray(m.faces)
        corners = np.asarray(m.vertices, dtype=np.float64)[faces]  # (F, 3, 3)
        normals = np.asarray(m.vertex_normals, dtype=np.float32)[faces]
        uv_src = getattr(m.visual, "uv", None)
        if uv_src is not None and len(uv_src) == len(m.vertices):
            uv = np.asarray(uv_src, dtype=np.float32)[faces]
        else:
            tile = scale or float(max(np.ptp(m.vertices, axis=0).max(), 1e-6)) / 2.0
            axis = np.abs(np.asarray(m.face_normals)).argmax(axis=1)  # dominant axis per face
            keep = np.array([[1, 2], [0, 2], [0, 1]])[axis]  # the two other coordinates
            uv = np.take_along_axis(corners, keep[:, None, :].repeat(3, 1), axis=2) / tile
        sampler = pr.Sampler(magFilter=9729, minFilter=9987, wrapS=10497, wrapT=10497)
        tex = pr.Texture(source=img, source_channels="RGB", sampler=sampler)
        white = MaterialProps(**{**mat.__dict__, "color": (1.0, 1.0, 1.0)})
        return pr.Primitive(positions=corners.reshape(-1, 3).astype(np.float32), normals=normals.reshape(-1, 3),
                            texcoord_0=uv.reshape(-1, 2).astype(np.float32),
                            indices=np.arange(len(faces) * 3, dtype=np.uint32).reshape(-1, 3),
                            material=self._material(white, base_texture=tex))

    def _add_ground(self, assembly: Assembly) -> None:
        pr = self._pyrender
        g = assembly.ground
        half = g.size / 2.0
        v = np.array(
            [[-half, -half, 0], [half, -half, 0], [half, half, 0], [-half, half, 0]],
            dtype=np.float32,
        )
        uv = (v[:, :2] / (2.0 * g.checker_size)).astype(
            np.float32
        )  # one texture period = 2 squares
        f = np.array([[0, 1, 2], [0, 2, 3]], dtype=np.uint32)
        n = np.tile(np.array([[0, 0, 1]], dtype=np.float32), (4, 1))
        from .textures import checker_image

        tex = None
        if g.texture == "checker":
            img = checker_image(*(np.asarray(c) for c in g.colors), 256)
            sampler = pr.Sampler(magFilter=9729, minFilter=9987, wrapS=10497, wrapT=10497)
            tex = pr.Texture(source=img, source_channels="RGB", sampler=sampler)
            color = [1.0, 1.0, 1.0, 1.0]
        else:
            color = list(srgb_to_linear(g.colors[0])) + [1.0]
        material = pr.MetallicRoughnessMaterial(
            baseColorFactor=color, baseColorTexture=tex, metallicFactor=0.0, roughnessFactor=0.85
        )
        prim = pr.Primitive(positions=v, normals=n, texcoord_0=uv, indices=f, material=material)
        self.ground_node = self.pscene.add(pr.Mesh([prim]), name="__ground__")

    def _add_lights(self, lights) -> None:
        pr = self._pyrender
        for light in lights:
            color = list(srgb_to_linear(light.color))
            if isinstance(light, DirectionalLight):
                d = np.asarray(light.direction, dtype=np.float64)
                pose = _light_pose(-d * 10.0, np.zeros(3))
                pl = pr.DirectionalLight(color=color, intensity=light.intensity)
                _clamped_shadow_texture(pl, light.shadows)
                self.pscene.add(pl, pose=pose)
            elif isinstance(light, PointLight):
                pose = np.eye(4)
                pose[:3, 3] = light.position
                self.pscene.add(
                    pr.PointLight(color=color, intensity=light.intensity, range=light.range),
                    pose=pose,
                )
            elif isinstance(light, SpotLight):
                pose = _light_pose(np.asarray(light.position), np.asarray(light.look_at))
                pl = pr.SpotLight(
                    color=color,
                    intensity=light.intensity,
                    range=light.range,
                    innerConeAngle=np.radians(min(light.inner_cone, light.outer_cone - 1e-3)),
                    outerConeAngle=np.radians(light.outer_cone),
                )
                _clamped_shadow_texture(pl, light.shadows)
                self.pscene.add(pl, pose=pose)

    # ------------------------------------------------------------------ per frame
    def set_poses(self, poses: np.ndarray, present: np.ndarray | None = None, frame: int | None = None) -> None:
        """Place the objects: ``poses`` (N, 4, 4) object-to-world, ``present`` (N,) bool;
        ``frame`` (the Trajectory frame) reshapes skinned people."""
        for i, node in enumerate(self.nodes):
            if node is None:
                continue
            if frame is not None and self.names[i] in self.skins:
                node.mesh = self._skin_mesh(i, frame, poses[i])
            self.pscene.set_pose(node, poses[i])
            node.mesh.is_visible = True if present is None else bool(present[i])

    def _skin_mesh(self, i: int, frame: int, pose: np.ndarray):
        from .people import skin_primitive

        name = self.names[i]
        prim = skin_primitive(self._pyrender, self.skins[name], frame, pose, self._skin_materials[name])
        return self._pyrender.Mesh([prim])

    def _set_camera(self, cam: CameraFrame) -> None:
        pr = self._pyrender
        if self._cam_node is None or self._cam_fov != cam.yfov:
            if self._cam_node is not None:
                self.pscene.remove_node(self._cam_node)
            camera = pr.PerspectiveCamera(
                yfov=cam.yfov, aspectRatio=cam.width / cam.height, znear=0.01
            )
            self._cam_node = self.pscene.add(camera, pose=cam.camera_to_world_gl)
            self._cam_fov = cam.yfov
        else:
            self.pscene.set_pose(self._cam_node, cam.camera_to_world_gl)

    def render_gt(self, cam: CameraFrame) -> dict[str, np.ndarray]:
        """Exact per-pixel truth from one float32 pass without anti-aliasing.

        Returns
        -------
        dict with
            depth : (H, W) float32, metres, z-depth along the camera axis; 0 = background
            segmentation : (H, W) uint16 instance ids (0 background, 1 ground, k + 2 object k)
            normals : (H, W, 3) float32 unit normals in the OpenCV camera frame; 0 background
        """
        pr = self._pyrender
        self._set_camera(cam)
        r = self._r._renderer
        seg_map = {node: [float(i + 2), 0.0, 0.0] for i, node in enumerate(self.nodes) if node is not None}
        if self.ground_node is not None:
            seg_map[self.ground_node] = [1.0, 0.0, 0.0]
        self._r.samples = 0
        r.float_target = True
        r.use_gt_programs(True)
        try:
            data, _ = self._r.render(self.pscene, flags=pr.RenderFlags.SEG, seg_node_map=seg_map)
        finally:
            r.float_target = False
            r.use_gt_programs(False)
        ids = np.rint(data[..., 0]).astype(np.uint16)
        fg = ids > 0
        depth = np.where(fg, data[..., 3], 0.0).astype(np.float32)
        n_gl = oct_decode(data[..., 1:3])
        normals = np.stack([n_gl[..., 0], -n_gl[..., 1], -n_gl[..., 2]], axis=-1)  # GL view -> OpenCV
        normals[~fg] = 0.0
        return {"depth": depth, "segmentation": ids, "normals": np.ascontiguousarray(normals, dtype=np.float32)}

    def render_rgb(self, cam: CameraFrame) -> tuple[np.ndarray, np.ndarray]:
        """Colour (H, W, 3) uint8 (C-contiguous) and z-depth (H, W) float32 metres (0 = none)."""
        pr = self._pyrender
        self._set_camera(cam)
        self._r.samples = 4 if self.antialias else 0
        flags = (
            pr.RenderFlags.SHADOWS_DIRECTIONAL | pr.RenderFlags.SHADOWS_SPOT
            if self.shadows
            else pr.RenderFlags.NONE
        )
        color, depth = self._r.render(self.pscene, flags=flags)
        return np.ascontiguousarray(color), np.ascontiguousarray(depth)


def oct_decode(e: np.ndarray) -> np.ndarray:
    """Octahedral-encoded unit vectors (..., 2) -> (..., 3) float32 unit vectors."""
    x, y = e[..., 0].astype(np.float64), e[..., 1].astype(np.float64)
    z = 1.0 - np.abs(x) - np.abs(y)
    t = np.clip(-z, 0.0, None)
    x = x + np.where(x >= 0, -t, t)
    y = y + np.where(y >= 0, -t, t)
    n = np.stack([x, y, z], axis=-1)
    n /= np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-12)
    return n.astype(np.float32)


def _clamped_shadow_texture(light, casts_shadows: bool, size: int = 2048) -> None:
    """Give a light a shadow map that is "lit" outside its frustum.

    pyrender's default sampler repeats the shadow map, which tiles ghost shadows across the
    floor outside the region the shadow camera covers.
    """
    import pyrender

    light.casts_shadows = casts_shadows
    size = size if casts_shadows else 16
    gl_clamp_to_border = 0x812D
    sampler = pyrender.Sampler(wrapS=gl_clamp_to_border, wrapT=gl_clamp_to_border)
    light.shadow_texture = pyrender.Texture(
        width=size,
        height=size,
        source_channels="D",
        data_format=0x1406,  # GL_FLOAT
        sampler=sampler,
    )


def _light_pose(position: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Pose of a pyrender light (which shines down its local -Z) at ``position`` aimed at ``target``."""
    from .camera import GL_TO_CV

    w2c = look_at(position, target)
    return np.linalg.inv(w2c) @ GL_TO_CV
