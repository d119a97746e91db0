"""The hybrid orchestration end to end against local Tripo and Space servers, with Stage 2 for real."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from redis import Redis

from pipeline.config import PipelineConfig
from pipeline.errors import NeedsImageError, PermanentPipelineError
from pipeline.generate import ProductAssetPipeline, generate_assets
from pipeline.generators.huggingface.client import HuggingFace3DClient, HuggingFace3DConfig
from pipeline.generators.huggingface.transports import GradioSpaceTransport
from pipeline.generators.hybrid import HuggingFaceBackend, HybridBackend, TripoBackend, backend_for
from pipeline.product import ProductInput, SourceImage
from pipeline.generators.tripo import TripoClient, TripoSettings
from tests.pipeline.servers.base import Reply
from tests.pipeline.servers.gradio import FakeSpace
from tests.pipeline.servers.meshes import CORRUPT_GLB
from tests.pipeline.servers.tripo import API_KEY, FakeTripo


def photo() -> bytes:
    image = Image.new("RGB", (256, 256), (245, 245, 245))
    ImageDraw.Draw(image).ellipse((60, 40, 196, 216), fill=(180, 60, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    return buffer.getvalue()


def config_for(tmp_path: Path, tripo: FakeTripo | None = None, hf: bool = False) -> PipelineConfig:
    return PipelineConfig(output_dir=tmp_path / "out", cache_dir=tmp_path / "cache", formats=("glb",),
                          enable_huggingface_3d=hf, tripo_api_key=API_KEY if tripo else None,
                          tripo_api_base=tripo.base_url if tripo else "https://openapi.tripo3d.ai/v3")


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def clock(self) -> float:
        return self.now


def tripo_backend(config: PipelineConfig, redis_conn: Redis | None = None, **settings: object) -> TripoBackend:
    time = FakeTime()
    client = TripoClient(TripoSettings.from_config(config, **settings), connection=redis_conn,
                         sleep=time.sleep, clock=time.clock)
    return TripoBackend(config, client=client, sleep=time.sleep)


def hybrid(config: PipelineConfig, space: FakeSpace | None, redis_conn: Redis | None = None) -> HybridBackend:
    hf = None
    if space is not None:
        client = HuggingFace3DClient(HuggingFace3DConfig(output_dir=config.cache_dir, retry_delay_s=0.0, max_retries=1),
                                     transport=GradioSpaceTransport(space.url), sleep=lambda s: None)
        hf = HuggingFaceBackend(config, client=client, sleep=lambda s: None)
    tripo = tripo_backend(config, redis_conn) if config.tripo_api_key else None
    return HybridBackend(config, huggingface=hf, tripo=tripo, sleep=lambda s: None)


def test_both_succeed_and_the_clean_textured_tripo_model_wins_with_the_reason(tmp_path: Path, redis_conn: Redis) -> None:
    with FakeTripo() as tripo, FakeSpace() as space:
        config = config_for(tmp_path, tripo, hf=True)
        with ProductAssetPipeline(config, backend=hybrid(config, space, redis_conn)) as pipeline:
            result = pipeline.process_product(42, "Travel Mug", "Keeps coffee hot.", [photo()], "Drinkware", "Nordic")
    assert result.generator == "tripo" and result.files["glb"].is_file()
    assert result.hybrid["winner"] == "tripo" and "UV-mapped texture" in str(result.hybrid["reason"])
    assert result.hybrid["scores"]["tripo"] > result.hybrid["scores"]["huggingface"]  # type: ignore[index]
    assert result.hybrid["hints"]["shape_class"] == "cylindrical"  # type: ignore[index]
    report = json.loads(result.generation.report_path.read_text())
    assert report["generator_details"]["hybrid"]["winner"] == "tripo"


def test_hf_failing_warns_and_tripo_alone_is_used(tmp_path: Path) -> None:
    with FakeTripo() as tripo, FakeSpace(errors_before_success=99) as space:
        config = config_for(tmp_path, tripo, hf=True)
        backend = hybrid(config, space)
        made = backend.generate(ProductInput(title="Mug", images=(SourceImage(photo()),)))
        backend.close()
    assert made.generator == "tripo" and any("HuggingFace stage 0 failed" in w for w in made.warnings)


def test_tripo_failing_publishes_the_hf_draft(tmp_path: Path) -> None:
    with FakeTripo(model=CORRUPT_GLB) as tripo, FakeSpace() as space:
        config = config_for(tmp_path, tripo, hf=True)
        backend = hybrid(config, space)
        made = backend.generate(ProductInput(title="Mug", images=(SourceImage(photo()),)))
        backend.close()
    assert made.generator == "huggingface" and any("Tripo stage 1 failed" in w for w in made.warnings)


def test_both_failing_falls_back_to_the_local_generator(tmp_path: Path) -> None:
    with FakeTripo() as tripo, FakeSpace(errors_before_success=99) as space:
        tripo.fail("POST", r"/generation/", Reply.json({"code": 2010, "message": "no credit"}, 403))
        config = config_for(tmp_path, tripo, hf=True)
        backend = hybrid(config, space)
        made = backend.generate(ProductInput(title="Mug", images=(SourceImage(photo()),)))
        backend.close()
    assert made.generator == "local" and made.metadata["hybrid"]["winner"] == "local"  # type: ignore[index]


def test_nothing_configured_runs_the_local_generator_offline(tmp_path: Path) -> None:
    made = HybridBackend(config_for(tmp_path)).generate(ProductInput(title="Mug", images=(SourceImage(photo()),)))
    assert made.generator == "local" and any("no HuggingFace or Tripo configured" in w for w in made.warnings)


def test_disable_flags_turn_the_stages_off(tmp_path: Path) -> None:
    with FakeTripo() as tripo:
        config = replace(config_for(tmp_path, tripo), enable_3d_generation=False)
        backend = HybridBackend(config)
        assert backend.tripo is None and backend.huggingface is None
        backend.generate(ProductInput(title="Mug", images=(SourceImage(photo()),)))
        backend.close()
    assert tripo.server.received == []


def test_a_repeat_is_a_cache_hit_with_zero_http_calls(tmp_path: Path) -> None:
    with FakeTripo() as tripo:
        config = config_for(tmp_path, tripo)
        product = ProductInput(title="Mug", images=(SourceImage(photo()),))
        first = tripo_backend(config)
        first.generate(product)
        first.close()
        seen = len(tripo.server.received)
        second = tripo_backend(config)
        again = second.generate(product)
        second.close()
    assert again.metadata["tripo"]["cached"] is True and len(tripo.server.received) == seen  # type: ignore[index]


def test_a_tripo_timeout_is_retried_and_resumes_the_same_task(tmp_path: Path, redis_conn: Redis) -> None:
    statuses = ("queued",) + ("running",) * 5 + ("success",)
    with FakeTripo(statuses=statuses) as tripo:
        config = replace(config_for(tmp_path, tripo), tripo_task_timeout_s=4.0)
        backend = tripo_backend(config, redis_conn, poll_interval_s=1.0, poll_max_interval_s=1.0)
        made = backend.generate(ProductInput(title="Lamp", images=(SourceImage(photo()),)))
        backend.close()
    assert made.generator == "tripo" and len(tripo.creates) == 1


def test_backend_names_build_their_generators(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    assert backend_for("local", config).name == "local"
    for name in ("hybrid", "huggingface"):
        backend = backend_for(name, config)
        assert backend.name == name
        backend.close()  # type: ignore[attr-defined]
    with pytest.raises(PermanentPipelineError):
        backend_for("tripo", config)  # no key
    with pytest.raises(PermanentPipelineError):
        backend_for("dall-e", config)


def test_a_product_with_neither_photo_nor_title_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NeedsImageError):
        ProductAssetPipeline(config_for(tmp_path)).process_product(None, "  ", images=[])


def reports_of_a_generate(config: PipelineConfig, backend: HybridBackend, tmp_path: Path) -> list[tuple[str, float]]:
    reports: list[tuple[str, float]] = []
    generate_assets(ProductInput(title="Mug", images=(SourceImage(photo()),)), tmp_path / "model", config,
                    backend=backend, progress=lambda stage, fraction: reports.append((stage, fraction)))
    backend.close()
    return reports


@pytest.mark.parametrize("paid_stages", ["succeed", "fail"])
def test_progress_only_rises_and_ends_at_one(tmp_path: Path, paid_stages: str) -> None:
    """With the local generator after failed paid stages too: its own count starts after "analysis"."""
    with FakeTripo() as tripo, FakeSpace(errors_before_success=0 if paid_stages == "succeed" else 99) as space:
        if paid_stages == "fail":
            tripo.fail("POST", r"/generation/", Reply.json({"code": 2010, "message": "no credit"}, 403))
        config = config_for(tmp_path, tripo, hf=True)
        reports = reports_of_a_generate(config, hybrid(config, space), tmp_path)
    stages = [stage for stage, _ in reports]
    fractions = [fraction for _, fraction in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert stages.index("huggingface") < stages.index("analysis") < stages.index("repairing")
    if paid_stages == "fail":
        assert stages.index("analysis") < stages.index("segmenting")
    else:
        assert "tripo" in stages and "segmenting" not in stages


def test_the_free_local_generator_leaves_the_content_cache_alone(tmp_path: Path) -> None:
    """As the README says: the cache holds what was paid for; a local model is made again."""
    config = config_for(tmp_path)
    reports_of_a_generate(config, HybridBackend(config), tmp_path)
    assert not config.cache_dir.exists() or list(config.cache_dir.rglob("model.*")) == []


@pytest.mark.parametrize(("second", "views"), [("solidus_tshirt_back.jpg", [["front"], ["back"]]), ("solidus_tote.png", None)])
def test_tripo_gets_the_back_slot_only_for_a_real_back_photo(tmp_path: Path, second: str,
                                                              views: list[list[str]] | None) -> None:
    """The T-shirt's back photo fills Tripo's back slot; a tote photo as the second image is sent nowhere."""
    from tests.conftest import PHOTOS

    images = tuple(SourceImage((PHOTOS / name).read_bytes(), name) for name in ("solidus_tshirt.jpg", second))
    with FakeTripo() as fake:
        backend = tripo_backend(config_for(tmp_path, fake))
        made = backend.generate(ProductInput(title="T-shirt", images=images))
        backend.close()
    multiview = fake.requests("POST", r"/v3/generation/multiview-to-model")
    if views is None:
        assert multiview == [] and [r.path for r in fake.creates] == ["/v3/generation/image-to-model"]
    else:
        assert [list(view) for view in multiview[0].json()["inputs"]] == views
    assert made.metadata["gallery"][1]["used_for"] == ("back" if views else None)  # type: ignore[index]


def test_tripo_gets_a_side_view_named_for_its_side(tmp_path: Path) -> None:
    """A speaker's side photo whose alt text says "left side" fills Tripo's left slot, and the report says so."""
    from tests.pipeline.known_products import catalogue_photo

    images = (SourceImage(catalogue_photo("speaker"), "speaker.png"),
              SourceImage(catalogue_photo("speaker", from_side=True), "speaker-left.png", alt="Speaker, left side"))
    with FakeTripo() as fake:
        backend = tripo_backend(config_for(tmp_path, fake))
        made = backend.generate(ProductInput(title="Bluetooth speaker", images=images))
        backend.close()
    [multiview] = fake.requests("POST", r"/v3/generation/multiview-to-model")
    assert [list(view) for view in multiview.json()["inputs"]] == [["front"], ["left"]]
    assert made.metadata["gallery"][1]["used_for"] == "tripo left view"  # type: ignore[index]
