"""Diffusion adapters: model-family rules, and tiny random-weight pipelines on CPU (diffusers
extra) that show the conditioning reaching the model unchanged, frame counts and sizes following
each family's rules, and fixed seeds giving fixed output.  No weights are downloaded: every
pipeline is built from a config with random weights."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import physreel
from physreel.errors import ArgumentError, InputError
from physreel.stylization.diffusion import crop_box, fit_frame_count, pipeline_inputs
from physreel.stylization.source import RenderFrames


def _png(render, t, kind="depth"):
    return np.asarray(Image.open(render / "main" / "control" / kind / f"{t:05d}.png").convert("RGB"))


def test_family_rules_for_frames_and_sizes():
    assert fit_frame_count("wan-vace", 24) == 21 and fit_frame_count("wan-vace", 200) == 81
    assert fit_frame_count("cogvideox-fun", 60) == 49 and fit_frame_count("animatediff", 24) == 16
    assert fit_frame_count("controlnet", 24) == 24
    with pytest.raises(ArgumentError, match="use 49 or 53"):
        fit_frame_count("cogvideox-fun", 60, 50)
    with pytest.raises(ArgumentError, match="render longer"):
        fit_frame_count("wan-vace", 24, 81)
    assert crop_box("wan-vace", 96, 72) == (0, 4, 96, 64)
    assert crop_box("controlnet", 96, 72) == (0, 0, 96, 72)
    with pytest.raises(ArgumentError, match="unknown model family"):
        crop_box("sora", 96, 72)


def test_pipeline_inputs_pass_the_control_frames_unchanged(render_dir):
    kw = pipeline_inputs(render_dir, "wan-vace", start=2, reference=True)
    assert kw["num_frames"] == 21 and (kw["width"], kw["height"]) == (96, 64)
    assert len(kw["video"]) == 21 and len(kw["mask"]) == 21
    assert (np.asarray(kw["video"][0]) == _png(render_dir, 2)[4:68]).all()  # centre crop, no resampling
    assert (np.asarray(kw["mask"][5]) == 255).all()
    assert np.asarray(kw["reference_images"][0]).shape == (64, 96, 3)
    kw = pipeline_inputs(render_dir, "controlnet", start=7)
    assert (np.asarray(kw["image"]) == _png(render_dir, 7)).all() and (kw["width"], kw["height"]) == (96, 72)
    kw = pipeline_inputs(render_dir, "cogvideox-fun", num_frames=9)
    assert len(kw["control_video"]) == 9 and "num_frames" not in kw
    with pytest.raises(InputError, match="--control normal"):
        pipeline_inputs(render_dir, "controlnet", control="normal")


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch", reason="needs the diffusers extra: pip install 'physreel[diffusers]'")
    pytest.importorskip("diffusers", reason="needs the diffusers extra: pip install 'physreel[diffusers]'")
    torch.set_num_threads(1)
    return torch


def _sd_parts(torch):
    from diffusers import AutoencoderKL, ControlNetModel, UNet2DConditionModel

    torch.manual_seed(0)
    blocks = dict(block_out_channels=(4, 8), layers_per_block=1, cross_attention_dim=8, norm_num_groups=2,
                  attention_head_dim=2)
    unet = UNet2DConditionModel(sample_size=8, in_channels=4, out_channels=4,
                                down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                                up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), **blocks)
    controlnet = ControlNetModel(in_channels=4, down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                                 conditioning_embedding_out_channels=(4, 8), **blocks)
    vae = AutoencoderKL(block_out_channels=(4, 8), in_channels=3, out_channels=3, latent_channels=4, norm_num_groups=2,
                        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2)
    return unet, controlnet, vae


def _hook(module):
    """Record the conditioning tensor every time the ControlNet runs."""
    seen = []
    module.register_forward_pre_hook(lambda m, a, k: seen.append(k["controlnet_cond"].detach().clone()),
                                     with_kwargs=True)
    return seen


def _capture_vae_encode(pipe):
    """Record what the pipeline hands to its VAE encoder (the control video, normalised)."""
    seen = []
    encode = pipe.vae.encode

    def spy(x, *a, **k):
        seen.append(x.detach().clone())
        return encode(x, *a, **k)

    pipe.vae.encode = spy
    return seen


@pytest.mark.diffusers
def test_controlnet_stylizer_feeds_the_exact_control_frames(torch, fresh_render):
    from diffusers import DDIMScheduler, StableDiffusionControlNetPipeline

    from physreel.stylization.diffusion import PipelineStylizer

    unet, controlnet, vae = _sd_parts(torch)
    pipe = StableDiffusionControlNetPipeline(vae=vae, text_encoder=None, tokenizer=None, unet=unet, controlnet=controlnet,
                                             scheduler=DDIMScheduler(), safety_checker=None, feature_extractor=None,
                                             requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    seen = _hook(pipe.controlnet)
    st = PipelineStylizer(pipe, "controlnet", prompt_embeds=torch.zeros(1, 4, 8), num_inference_steps=2,
                          guidance_scale=1.0, seed=7)
    st.prepare(RenderFrames(fresh_render))
    b = st.frames.bundle(5, ["rgb"])
    a1, a2 = st(b), st(b)
    assert a1.shape == (72, 96, 3) and (a1 == a2).all()  # fixed seed, fixed output
    assert len(seen) == 4  # 2 steps x 2 calls
    cond = seen[0][0].permute(1, 2, 0).numpy()
    assert np.array_equal(cond * 255, _png(fresh_render, 5).astype(np.float32))  # unchanged
    other = PipelineStylizer(pipe, "controlnet", prompt_embeds=torch.zeros(1, 4, 8), num_inference_steps=2,
                             guidance_scale=1.0, seed=8)
    other.prepare(st.frames)
    assert not (other(b) == a1).all()
    res = physreel.stylize(fresh_render, st, stabilize=True)
    assert res.videos["main"].name == "diffusion-controlnet.mp4" and res.num_frames == 24


@pytest.mark.diffusers
@pytest.mark.slow
def test_animatediff_windows_follow_the_frame_rule(torch, fresh_render):
    from diffusers import AnimateDiffControlNetPipeline, DDIMScheduler, MotionAdapter

    from physreel.stylization.diffusion import PipelineStylizer

    unet, controlnet, vae = _sd_parts(torch)
    adapter = MotionAdapter(block_out_channels=(4, 8), motion_layers_per_block=1, motion_norm_num_groups=2,
                            motion_num_attention_heads=1, motion_max_seq_length=32)
    pipe = AnimateDiffControlNetPipeline(vae=vae, text_encoder=None, tokenizer=None, unet=unet, motion_adapter=adapter,
                                         controlnet=controlnet, scheduler=DDIMScheduler())
    pipe.set_progress_bar_config(disable=True)
    seen = _hook(pipe.controlnet)
    kw = pipeline_inputs(fresh_render, "animatediff", num_frames=4, start=3)
    out = pipe(**kw, prompt_embeds=torch.zeros(1, 4, 8), num_inference_steps=1, guidance_scale=1.0,
               generator=torch.Generator().manual_seed(0), output_type="np")
    assert np.asarray(out.frames).shape == (1, 4, 72, 96, 3)
    cond = seen[0].permute(0, 2, 3, 1).numpy() * 255
    assert np.array_equal(cond, np.stack([_png(fresh_render, t) for t in range(3, 7)]).astype(np.float32))
    st = PipelineStylizer(pipe, "animatediff", window=8, prompt_embeds=torch.zeros(1, 4, 8),
                          num_inference_steps=1, guidance_scale=1.0)
    seen.clear()
    res = physreel.stylize(fresh_render, st, stabilize=False, frames_png=True)
    assert res.num_frames == 24 and len(seen) == 3  # 24 frames = three windows of 8, one step each


@pytest.mark.diffusers
@pytest.mark.slow
def test_cogvideox_fun_control_gets_4k_plus_1_frames_of_16_pixel_multiples(torch, render_dir):
    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXDDIMScheduler,
        CogVideoXFunControlPipeline,
        CogVideoXTransformer3DModel,
    )

    torch.manual_seed(0)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2, attention_head_dim=8, in_channels=8, out_channels=4, time_embed_dim=2,
        text_embed_dim=8, num_layers=1, sample_width=12, sample_height=8, sample_frames=9, patch_size=2,
        temporal_compression_ratio=4, max_text_seq_length=4)
    vae = AutoencoderKLCogVideoX(in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4,
                                 up_block_types=("CogVideoXUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8),
                                 latent_channels=4, layers_per_block=1, norm_num_groups=2, temporal_compression_ratio=4)
    pipe = CogVideoXFunControlPipeline(tokenizer=None, text_encoder=None, vae=vae, transformer=transformer,
                                       scheduler=CogVideoXDDIMScheduler())
    pipe.set_progress_bar_config(disable=True)
    seen = _capture_vae_encode(pipe)
    kw = pipeline_inputs(render_dir, "cogvideox-fun", num_frames=9)
    assert (kw["width"], kw["height"]) == (96, 64)

    def run():
        return pipe(**kw, prompt_embeds=torch.zeros(1, 4, 8), num_inference_steps=1, guidance_scale=1.0,
                    generator=torch.Generator().manual_seed(3), output_type="np", max_sequence_length=4).frames

    a, b = run(), run()
    assert np.asarray(a).shape == (1, 9, 64, 96, 3) and np.array_equal(a, b)
    ctrl = np.stack([_png(render_dir, t)[4:68] for t in range(9)]).astype(np.float32) / 127.5 - 1
    got = seen[0][0].permute(1, 2, 3, 0).numpy()  # (C, F, H, W) -> (F, H, W, C)
    assert np.abs(got - ctrl).max() < 1e-6


@pytest.mark.diffusers
@pytest.mark.slow
def test_wan_vace_gets_the_control_video_and_a_white_mask(torch, render_dir):
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanVACEPipeline,
        WanVACETransformer3DModel,
    )

    torch.manual_seed(0)
    transformer = WanVACETransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=8, in_channels=16, out_channels=16, text_dim=8,
        freq_dim=8, ffn_dim=16, num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32, vace_layers=[0], vace_in_channels=96)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    pipe = WanVACEPipeline(tokenizer=None, text_encoder=None, vae=vae, transformer=transformer,
                           scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0))
    pipe.set_progress_bar_config(disable=True)
    seen = _capture_vae_encode(pipe)
    kw = pipeline_inputs(render_dir, "wan-vace", num_frames=9)
    out = pipe(**kw, prompt_embeds=torch.zeros(1, 4, 8), num_inference_steps=1, guidance_scale=1.0,
               generator=torch.Generator().manual_seed(0), output_type="np", max_sequence_length=4).frames
    assert np.asarray(out).shape == (1, 9, 64, 96, 3)
    ctrl = np.stack([_png(render_dir, t)[4:68] for t in range(9)]).astype(np.float32) / 127.5 - 1
    # VACE encodes the "reactive" part video * mask (all of it: the mask is white) and the
    # "inactive" part video * (1 - mask) (nothing)
    got = [s[0].permute(1, 2, 3, 0).numpy() for s in seen]
    assert any(np.abs(g - ctrl).max() < 1e-6 for g in got)
    assert any(np.abs(g).max() < 1e-6 for g in got)
