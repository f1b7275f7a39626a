"""Keypoint layouts, projection, visibility and the ControlNet OpenPose drawing."""

import numpy as np

from physreel.assets.keypoints import body25_names, coco18_names, keypoints_3d, layout
from physreel.assets.mannequin import mannequin
from physreel.rendering.keypoints import draw_openpose, project, visible


class View:
    def __init__(self, K, w2c, width=160, height=120):
        self.K, self.world_to_camera, self.width, self.height = K, w2c, width, height


def test_layouts_are_openpose():
    assert coco18_names()[:5] == ["nose", "neck", "right_shoulder", "right_elbow", "right_wrist"]
    assert coco18_names()[14:] == ["right_eye", "left_eye", "right_ear", "left_ear"]
    assert len(body25_names()) == 25 and body25_names()[8] == "mid_hip" and body25_names()[24] == "right_heel"
    assert len(layout()["openpose_limbs"]) == 17 and len(layout()["openpose_colors"]) == 18


def test_neck_and_mid_hip_are_midpoints_and_points_move_with_bones():
    rig = mannequin(1.75)
    pos, quat = rig.rest_pose()
    coco = keypoints_3d(rig, pos, quat, coco18_names())
    assert np.allclose(coco[1], (coco[2] + coco[5]) / 2)
    b25 = keypoints_3d(rig, pos, quat, body25_names())
    assert np.allclose(b25[8], (b25[9] + b25[12]) / 2)
    # standing: nose above the neck above the hips above the knees above the ankles, eyes in front
    assert coco[0, 2] > coco[1, 2] > coco[8, 2] > coco[9, 2] > coco[10, 2]
    assert coco[14, 0] > pos[rig.index("neck"), 0]
    # a batch of frames: leading axes broadcast
    two = keypoints_3d(rig, np.stack([pos, pos + [1, 0, 0]]), np.stack([quat, quat]), coco18_names())
    assert np.allclose(two[1] - two[0], [1, 0, 0])


def test_projection_and_visibility():
    K = np.array([[100.0, 0, 80], [0, 100.0, 60], [0, 0, 1]])
    w2c = np.eye(4)
    view = View(K, w2c)
    pts = np.array([[0.0, 0, 2], [0.2, -0.1, 4], [0, 0, -1]])
    xy, z = project(view, pts)
    assert np.allclose(xy[0], [80, 60]) and np.allclose(xy[1], [85, 57.5]) and np.isnan(xy[2]).all()
    depth = np.zeros((120, 160), dtype=np.float32)
    depth[50:70, 70:90] = 1.95  # a surface just in front of point 0 (5 cm: inside the tolerance)
    depth[55:60, 84:87] = 3.0  # and a wall 1 m in front of point 1
    vis = visible(xy, z, depth, tolerance=0.1)
    assert vis.tolist() == [True, False, False]
    assert not visible(xy[:1], z[:1], np.full_like(depth, 1.5), tolerance=0.1)[0]  # 50 cm behind


def test_openpose_drawing_convention():
    """controlnet_aux's draw_bodypose: limbs in 0.6 x colour with a 4 px half-width, then
    keypoint dots of radius 4 px in full colour; limbs to invisible keypoints are not drawn."""
    xy = np.zeros((18, 2))
    vis = np.zeros(18, dtype=bool)
    xy[1] = [40, 40]  # neck
    xy[2] = [80, 40]  # right shoulder: limb 0 (neck - right shoulder), red
    xy[5] = [40, 90]  # left shoulder: limb 1 (neck - left shoulder), orange
    vis[[1, 2, 5]] = True
    xy[3] = [100, 100]  # right elbow, invisible: limb 2 must not be drawn
    img = draw_openpose(120, 160, [(xy, vis)])
    assert img.shape == (120, 160, 3) and img.dtype == np.uint8
    assert img[40, 60].tolist() == [153, 0, 0]  # limb 0 at 0.6 x [255, 0, 0]
    assert img[43, 60].tolist() == [153, 0, 0] and img[46, 60].tolist() == [0, 0, 0]  # 4 px half-width
    assert img[65, 40].tolist() == [153, 51, 0]  # limb 1 at 0.6 x [255, 85, 0]
    assert img[40, 40].tolist() == [255, 85, 0]  # the neck's dot (colour 1) over the limbs
    assert img[40, 80].tolist() == [255, 170, 0]  # right shoulder (colour 2)
    assert img[37, 80].tolist() == [255, 170, 0] and img[34, 80].tolist() == [0, 0, 0]  # radius 4
    assert img[70:, 90:].max() == 0  # nothing towards the invisible elbow
    assert (img.reshape(-1, 3).max(axis=1) > 0).mean() < 0.1  # black background
