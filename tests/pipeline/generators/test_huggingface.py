"""HuggingFace stage 0 against a local Gradio Space and Inference Endpoint, and self-hosted diffusers."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image

from pipeline.generators.cache import ContentCache
from pipeline.errors import ImageError
from pipeline.generators.huggingface.client import (
    HF3DModel,
    HuggingFace3DClient,
    HuggingFace3DConfig,
    HuggingFace3DConfigError,
    HuggingFacePermanentError,
    HuggingFaceRetryableError,
)
from pipeline.generators.huggingface.transports import GradioSpaceTransport, InferenceEndpointTransport
from pipeline.product import ProductInput
from tests.pipeline.servers.base import LocalServer, Reply
from tests.pipeline.servers.endpoint import FakeEndpoint
from tests.pipeline.servers.gradio import FakeSpace
from tests.pipeline.servers.meshes import textured_box_glb

SETTINGS_ENV = {
    "HUGGINGFACE_API_TOKEN": "hf_secret",
    "HF_3D_DEFAULT_MODEL": "openai/shap-e",
    "HF_GUIDANCE_SCALE": "12.5",
    "HF_INFERENCE_STEPS": "32",
    "HF_3D_FORMAT": "GLB",
    "HF_3D_OUTPUT_DIR": "/tmp/hf3d",
    "HF_3D_CACHE_ENABLED": "false",
}


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (40, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def space_client(space: FakeSpace, tmp_path: Path, **config: object) -> HuggingFace3DClient:
    settings = HuggingFace3DConfig(space_url=space.url, output_dir=tmp_path, retry_delay_s=0.0, **config)  # type: ignore[arg-type]
    transport = GradioSpaceTransport(space.url, token=settings.api_token)
    return HuggingFace3DClient(settings, transport=transport, cache=ContentCache(tmp_path, 3600), sleep=lambda s: None)


def test_config_defaults_and_from_env_with_the_seeds_names() -> None:
    default = HuggingFace3DConfig.from_env({})
    assert default == HuggingFace3DConfig()
    assert default.default_model is HF3DModel.SHAP_E_TEXT and default.cache_enabled and default.transport == "space"
    config = HuggingFace3DConfig.from_env(SETTINGS_ENV)
    assert config.api_token == "hf_secret" and config.guidance_scale == 12.5 and config.inference_steps == 32
    assert config.output_format == "glb" and config.output_dir == Path("/tmp/hf3d") and not config.cache_enabled
    assert "hf_secret" not in repr(config)
    assert HuggingFace3DConfig.from_env({"HF_3D_ENDPOINT_URL": "https://x.endpoints.huggingface.cloud"}).transport == "endpoint"


def test_from_env_reports_every_bad_value_at_once() -> None:
    with pytest.raises(HuggingFace3DConfigError) as raised:
        HuggingFace3DConfig.from_env({"HF_GUIDANCE_SCALE": "lots", "HF_INFERENCE_STEPS": "0",
                                      "HF_3D_DEFAULT_MODEL": "dall-e", "HF_3D_CACHE_ENABLED": "maybe",
                                      "HF_3D_TRANSPORT": "endpoint", "HF_3D_FORMAT": "fbx"})
    assert len(raised.value.problems) == 6


def test_text_to_3d_through_the_space_returns_a_draft_with_metrics(tmp_path: Path) -> None:
    with FakeSpace() as space, space_client(space, tmp_path) as client:
        result = client.generate_from_text("a ceramic mug")
    assert space.calls == [("text-to-3d", ["a ceramic mug", 0, 15.0, 64])]
    assert result.model is HF3DModel.SHAP_E_TEXT and result.transport == "space" and not result.cached
    assert result.metrics["faces"] > 0 and result.metrics["watertight"] == 0.0 and result.metrics["vertex_colours"] == 1.0
    assert result.timings["total_s"] >= result.timings["generate_s"] >= 0


def test_image_to_3d_uploads_first_and_sends_a_file_reference(tmp_path: Path) -> None:
    with FakeSpace() as space, space_client(space, tmp_path) as client:
        result = client.generate_from_image(photo())
    api, data = space.calls[0]
    assert api == "image-to-3d" and data[0] == {"path": space.uploads[0], "meta": {"_type": "gradio.FileData"}}
    assert result.model is HF3DModel.SHAP_E_IMAGE


def test_a_cache_hit_makes_zero_http_calls(tmp_path: Path) -> None:
    with FakeSpace() as space, space_client(space, tmp_path) as client:
        first = client.generate_from_text("a ceramic mug")
        seen = len(space.server.received)
        again = client.generate_from_text("a   ceramic mug ")
    assert again.cached and again.data == first.data and len(space.server.received) == seen


def test_the_cache_disable_flag_calls_the_space_every_time(tmp_path: Path) -> None:
    with FakeSpace() as space, space_client(space, tmp_path, cache_enabled=False) as client:
        client.generate_from_text("a mug")
        client.generate_from_text("a mug")
    assert len(space.calls) == 2


def test_cache_keys_are_consistent_and_change_with_output_changing_settings(tmp_path: Path) -> None:
    a = HuggingFace3DClient(HuggingFace3DConfig(output_dir=tmp_path))
    b = HuggingFace3DClient(HuggingFace3DConfig(output_dir=tmp_path, guidance_scale=9.0))
    assert a.cache_key(text="mug") == a.cache_key(text="mug") == HuggingFace3DClient(
        HuggingFace3DConfig(output_dir=tmp_path, api_token="other")).cache_key(text="mug")
    assert a.cache_key(text="mug") != b.cache_key(text="mug")
    assert a.cache_key(text="mug") != a.cache_key(text="mug", model=HF3DModel.POINT_E)
    assert a.cache_key(image=b"x") != a.cache_key(image=b"y")
    a.close()
    b.close()


def test_space_errors_are_retried_with_backoff_then_succeed(tmp_path: Path) -> None:
    with FakeSpace(errors_before_success=2) as space, space_client(space, tmp_path) as client:
        assert client.generate_from_text("a mug").mesh is not None
    assert len(space.calls) == 3


def test_a_failing_space_falls_back_to_point_e(tmp_path: Path) -> None:
    with FakeSpace(errors_before_success=99) as broken, FakeSpace() as point_e:
        config = HuggingFace3DConfig(output_dir=tmp_path, retry_delay_s=0.0, max_retries=2)
        with HuggingFace3DClient(config, transport=GradioSpaceTransport(broken.url),
                                 fallback=GradioSpaceTransport(point_e.url), sleep=lambda s: None) as client:
            result = client.generate_from_text("a mug")
    assert result.model is HF3DModel.POINT_E and result.transport == "space:point-e" and len(broken.calls) == 2


def test_a_bad_token_is_permanent_and_a_missing_endpoint_name_too(tmp_path: Path) -> None:
    with FakeSpace(token="hf_right") as space:
        with space_client(space, tmp_path, api_token="hf_wrong") as client:
            with pytest.raises(HuggingFacePermanentError) as raised:
                client.generate_from_text("a mug")
            assert raised.value.status == 401
        with space_client(space, tmp_path, api_token="hf_right", space_text_api="/nope") as client:
            client._transport = GradioSpaceTransport(space.url, token="hf_right", text_api="/nope")
            with pytest.raises(HuggingFacePermanentError):
                client.generate_from_text("a mug")


def test_inference_endpoint_sends_inputs_and_parameters_and_waits_out_a_cold_start(tmp_path: Path) -> None:
    with FakeEndpoint(starting_replies=1) as endpoint:
        config = HuggingFace3DConfig(transport="endpoint", endpoint_url=endpoint.url, api_token="hf_test_token",
                                     output_dir=tmp_path, retry_delay_s=0.0)
        transport = InferenceEndpointTransport(endpoint.url, token="hf_test_token")
        with HuggingFace3DClient(config, transport=transport, sleep=lambda s: None) as client:
            result = client.generate_from_image(photo())
    body = endpoint.server.received[-1].json()
    assert body["parameters"]["task"] == "image-to-3d" and body["parameters"]["num_inference_steps"] == 64
    assert result.transport == "endpoint" and len(endpoint.server.received) == 2


def test_a_503_that_never_ends_is_a_retryable_error(tmp_path: Path) -> None:
    with FakeEndpoint(starting_replies=10) as endpoint:
        config = HuggingFace3DConfig(output_dir=tmp_path, retry_delay_s=0.0, max_retries=2)
        with HuggingFace3DClient(config, transport=InferenceEndpointTransport(endpoint.url, token="hf_test_token"),
                                 sleep=lambda s: None) as client:
            with pytest.raises(HuggingFaceRetryableError):
                client.generate_from_text("a mug")


@pytest.mark.parametrize("data", [b"", b"GIF89a-not-really", b"%PDF-1.7"])
def test_invalid_image_formats_are_refused_before_any_call(tmp_path: Path, data: bytes) -> None:
    with FakeSpace() as space, space_client(space, tmp_path) as client:
        with pytest.raises(ImageError):
            client.generate_from_image(data)
    assert space.server.received == []


@pytest.mark.parametrize("prompt", [None, "", "   "])
def test_none_and_blank_prompts_are_refused(tmp_path: Path, prompt: str | None) -> None:
    with HuggingFace3DClient(HuggingFace3DConfig(output_dir=tmp_path)) as client:
        with pytest.raises(ValueError):
            client.generate_from_text(prompt)  # type: ignore[arg-type]


def test_client_init_builds_nothing_until_used_and_close_ends_it(tmp_path: Path) -> None:
    client = HuggingFace3DClient(HuggingFace3DConfig(output_dir=tmp_path))
    assert client._transport is None  # no connection made at init
    client.close()
    with pytest.raises(HuggingFacePermanentError):
        client.generate_from_text("a mug")


def test_hints_and_quality_comparison_through_the_client(tmp_path: Path) -> None:
    with FakeSpace() as space, space_client(space, tmp_path) as client:
        draft = client.generate_from_text("a travel mug")
        hints = client.get_optimization_hints(ProductInput(title="Travel mug", category="Drinkware"), draft)
        assert client.get_optimization_hints(ProductInput(title="Mug"), None).from_mesh is False
        from pipeline.generators.tripo import load_model

        comparison = client.compare_quality(draft, load_model(textured_box_glb()))
    assert hints.shape_class == "cylindrical" and hints.from_mesh and 0 <= hints.confidence <= 1
    assert comparison.winner == "tripo" and set(comparison.scores) == {"tripo", "huggingface"}


def _marching_cubes_table() -> tuple[np.ndarray, np.ndarray]:
    """diffusers' MeshDecoder table (normally shipped in the Shap-E checkpoint), built with scikit-image:
    for each of the 256 corner sign patterns, Lorensen marching cubes on one cube gives the triangles,
    whose vertices sit on edge midpoints; each midpoint is mapped to diffusers' edge numbering."""
    from skimage.measure import marching_cubes

    def edge_index(point: np.ndarray) -> int:
        axis = int(np.argmin(np.abs(point - 0.5)))  # the coordinate at 0.5 is the edge's axis
        a, b = [int(round(point[i])) for i in range(3) if i != axis]
        return axis * 4 + a + 2 * b

    cases = np.zeros((256, 5, 3), dtype=np.int64)
    masks = np.zeros((256, 5), dtype=bool)
    for pattern in range(1, 255):
        cube = np.array([[[1.0 if pattern >> (x + 2 * y + 4 * z) & 1 else -1.0 for z in (0, 1)]
                          for y in (0, 1)] for x in (0, 1)])
        vertices, faces, _, _ = marching_cubes(cube, 0.0, method="lorensen")
        for slot, face in enumerate(faces[:5]):
            cases[pattern, slot] = [edge_index(vertices[v]) for v in face]
            masks[pattern, slot] = True
    return cases, masks


def _tiny_shap_e(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A ShapEPipeline from tiny randomly initialised components (no weights, no downloads)."""
    import torch
    from diffusers import HeunDiscreteScheduler, PriorTransformer, ShapEPipeline
    from diffusers.pipelines.shap_e import ShapERenderer
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection, CLIPTokenizer

    torch.manual_seed(0)
    tmp_path.mkdir(parents=True, exist_ok=True)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 2, "!": 1}
    for index, char in enumerate("abcdefghijklmnopqrstuvwxyz"):
        vocab[char] = 3 + index
        vocab[char + "</w>"] = 40 + index
    (tmp_path / "vocab.json").write_text(json.dumps(vocab))
    (tmp_path / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(str(tmp_path / "vocab.json"), str(tmp_path / "merges.txt"), pad_token="!",
                              model_max_length=77)
    text_encoder = CLIPTextModelWithProjection(CLIPTextConfig(
        bos_token_id=0, eos_token_id=2, hidden_size=16, projection_dim=16, intermediate_size=37,
        layer_norm_eps=1e-05, num_attention_heads=4, num_hidden_layers=2, pad_token_id=1, vocab_size=100))
    prior = PriorTransformer(num_attention_heads=2, attention_head_dim=16, embedding_dim=16, num_embeddings=32,
                             embedding_proj_dim=16, time_embed_dim=64, num_layers=1, clip_embed_dim=32,
                             additional_embeddings=0, time_embed_act_fn="gelu", norm_in_type="layer",
                             encoder_hid_proj_type=None, added_emb_type=None)
    renderer = ShapERenderer(param_shapes=((8, 93), (8, 8), (8, 8), (8, 8)), d_latent=16, d_hidden=8,
                             n_output=12, background=(0.1, 0.1, 0.1))
    with torch.no_grad():
        # A random MLP's SDF is noise (millions of faces); a constant inside value makes one closed surface
        # where the decoder's negative border meets it, and keeps the test quick.
        renderer.mlp.mlp[-1].weight[0].zero_()
        renderer.mlp.mlp[-1].bias[0] = 0.5
    cases, masks = _marching_cubes_table()
    renderer.mesh_decoder.cases.copy_(torch.from_numpy(cases))
    renderer.mesh_decoder.masks.copy_(torch.from_numpy(masks))
    scheduler = HeunDiscreteScheduler(beta_schedule="exp", num_train_timesteps=1024, prediction_type="sample",
                                      use_karras_sigmas=True, clip_sample=True, clip_sample_range=1.0)
    return ShapEPipeline(prior=prior, text_encoder=text_encoder, tokenizer=tokenizer,
                         shap_e_renderer=renderer, scheduler=scheduler)


# diffusers' Heun scheduler turns a torch tensor into a numpy array the NumPy-1 way; not ours to fix.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_self_hosted_shap_e_runs_the_real_pipeline_to_a_mesh_on_the_cpu(tmp_path: Path) -> None:
    pytest.importorskip("diffusers", reason="self-hosted Shap-E needs the optional `selfhosted` extra "
                                            "(torch, diffusers, transformers): pip install -e '.[selfhosted]'")
    from pipeline.generators.huggingface.transports import DiffusersTransport

    transport = DiffusersTransport(_tiny_shap_e(tmp_path / "tokenizer_files"), device="cpu")
    config = HuggingFace3DConfig(transport="selfhosted", output_dir=tmp_path, inference_steps=2, guidance_scale=1.0)
    started = time.perf_counter()
    with HuggingFace3DClient(config, transport=transport) as client:
        result = client.generate_from_text("a mug")
    elapsed = time.perf_counter() - started
    assert isinstance(result.mesh, trimesh.Trimesh) and len(result.mesh.faces) > 0
    assert result.transport == "selfhosted" and result.mesh.visual.kind == "vertex"
    print(f"self-hosted tiny Shap-E: {elapsed:.2f} s, {len(result.mesh.faces)} faces")


def test_a_file_url_off_the_spaces_origin_is_refused_and_never_sees_the_token(tmp_path: Path) -> None:
    with LocalServer(lambda request: Reply(200, b"glTF")) as elsewhere:
        with FakeSpace(token="hf_secret", file_url=f"{elsewhere.url}/steal") as space:
            with space_client(space, tmp_path, api_token="hf_secret") as client:
                with pytest.raises(HuggingFacePermanentError, match="outside its own origin"):
                    client.generate_from_text("mug")
        assert elsewhere.received == []
        assert all(r.headers.get("Authorization") == "Bearer hf_secret" for r in space.server.received)


def test_an_oversized_result_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.generators.huggingface import transports

    monkeypatch.setattr(transports, "MAX_OUTPUT_BYTES", 1000)
    with FakeSpace(model=b"glTF" + b"\0" * 5000) as space, space_client(space, tmp_path) as client:
        with pytest.raises(HuggingFacePermanentError, match="over the limit of 1000"):
            client.generate_from_text("mug")
