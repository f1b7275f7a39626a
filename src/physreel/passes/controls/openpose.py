"""``openpose`` control: the ControlNet OpenPose image of the people in view, in the drawing
convention of controlnet_aux (limb colours, order and widths: :mod:`physreel.rendering.keypoints`)."""

from __future__ import annotations

from ..registry import Control, Doc, register_control


def _frame(bundle, state):
    from ...rendering.keypoints import draw_openpose

    kp = bundle["keypoints"]
    people = [(kp["coco18_2d"][p], kp["coco18_visible"][p]) for p in range(len(kp["names"]))]
    return draw_openpose(bundle.view.height, bundle.view.width, people)


register_control(Control(
    name="openpose",
    aliases=("pose",),
    needs=("keypoints",),
    frame=_frame,
    meaning="ControlNet OpenPose body image (controlnet_aux convention: COCO-18 limbs in 0.6 x their colour, 4 px "
            "half-width, then 4 px dots), visible keypoints only, black background",
    doc=Doc("ControlNet OpenPose skeletons of the people (controlnet_aux colours, order and widths)"),
))
