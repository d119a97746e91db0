"""`woo3d generate IMAGE…`: product photos to model.glb, model.usdz, poster, preview and report, offline."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.product import SHAPE_CHOICES
from woo3d.cli.group import main
from woo3d.settings import Settings

if TYPE_CHECKING:
    from pipeline.backends import GeneratorBackend


def _local_backend(settings: Settings) -> GeneratorBackend:
    from pipeline.generators.local_generator import LocalGenerator

    return LocalGenerator.for_config(settings.pipeline)


def _pipeline_backend(name: str) -> Callable[[Settings], GeneratorBackend]:
    def build(settings: Settings) -> GeneratorBackend:
        from pipeline.generators.hybrid import backend_for

        return backend_for(name, settings.pipeline)

    return build


# --backend NAME → a factory taking the settings. New generators register here. `hybrid` falls
# back to `local` when neither HuggingFace nor Tripo is configured, so it is a safe default.
BACKENDS: dict[str, Callable[[Settings], GeneratorBackend]] = {
    "local": _local_backend,
    **{name: _pipeline_backend(name) for name in ("huggingface", "tripo", "hybrid")},
}


@main.command()
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--title", default="", help="Product title (the model's alt text).")
@click.option("--description", default="", help="Product description.")
@click.option("--dimensions", default=None, metavar="WxHxD[cm|m|mm|in]", help="Real size, e.g. 30x40x5cm (default unit cm).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder [default: WOO3D_OUTPUT_DIR/<title or first image name>].")
@click.option("--formats", default=None, metavar="LIST",
              help="Comma-separated: glb,usdz,gltf,obj,stl,ply,fbx [default: WOO3D_FORMATS or glb,usdz]; GLB is always written.")
@click.option("--backend", type=click.Choice(sorted(BACKENDS)), default="hybrid", show_default=True,
              help="Which generator makes the mesh.")
@click.option("--face-budget", type=int, default=None, help="Most faces in the model [default: WOO3D_FACE_BUDGET or 50000].")
@click.option("--shape", type=click.Choice(SHAPE_CHOICES), default="auto", show_default=True,
              help="How the keyless generator builds the product (auto: it decides from the photo, text and size).")
def generate(
    images: tuple[Path, ...],
    title: str,
    description: str,
    dimensions: str | None,
    out_dir: Path | None,
    formats: str | None,
    backend: str,
    face_budget: int | None,
    shape: str,
) -> None:
    """Make a 3D/AR model from product photos (the first is the front; a second, the back)."""
    import structlog
    from tqdm import tqdm

    from pipeline.errors import PipelineError
    from pipeline.generate import generate_assets
    from pipeline.product import Dimensions, DimensionsError, ProductInput, SourceImage
    from woo3d.cli.context import load_settings

    settings = load_settings()
    config = settings.pipeline if face_budget is None else replace(settings.pipeline, face_budget=face_budget)
    try:
        size = Dimensions.parse(dimensions) if dimensions else None
    except DimensionsError as error:
        raise click.ClickException(str(error)) from error
    sources = tuple(SourceImage(_read_image(path, config.max_image_bytes), path.name) for path in images)
    product = ProductInput(title=title, description=description, images=sources, dimensions=size, shape=shape)
    target = out_dir or config.output_dir / _slug(title or images[0].stem)
    bar: tqdm | None = None
    log_factory = structlog.get_config()["logger_factory"]

    def progress(stage: str, fraction: float) -> None:
        nonlocal bar
        if bar is None:  # opened on the first report, so refused options print cleanly
            bar = tqdm(total=100, unit="%", bar_format="{desc:<18} {bar} {percentage:3.0f}% {elapsed}", leave=False)
            structlog.configure(logger_factory=structlog.PrintLoggerFactory(_AboveTheBar()))
        bar.set_description_str(stage, refresh=False)
        bar.n = round(fraction * 100)  # generate_assets reports only rising fractions, 1.0 last
        bar.refresh()  # every report is drawn: update() skips draws that come quickly, the last one too

    chosen: GeneratorBackend | None = None
    try:
        chosen = BACKENDS[backend](settings)
        result = generate_assets(product, target, config, backend=chosen, formats=formats, progress=progress)
    except PipelineError as error:
        raise click.ClickException(str(error)) from error
    finally:
        if bar is not None:  # cleared before any error or result is printed
            bar.close()
            structlog.configure(logger_factory=log_factory)
        if callable(close := getattr(chosen, "close", None)):
            close()
    for name, path in result.files.items():
        click.echo(f"{name:<8} {path}  ({_size(path)})")
        if name == "glb" and result.uncompressed_glb is not None:
            click.echo(f"{'':<8} {result.uncompressed_glb}  ({_size(result.uncompressed_glb)}, uncompressed, for downloads)")
    for name, path in (("poster", result.poster), ("preview", result.preview), ("report", result.report_path)):
        if path is not None:
            click.echo(f"{name:<8} {path}")
    quality = result.quality
    iou = "n/a" if quality.silhouette_iou is None else f"{quality.silhouette_iou:.3f}"
    click.echo(
        f"quality  {quality.score}/100 · {quality.faces:,} faces · "
        f"{'watertight' if quality.watertight else 'not watertight'} · silhouette IoU {iou} · "
        f"{result.generator} generator · {result.timings_s.get('total', 0):.2f} s"
    )
    for reason in quality.reasons:
        click.echo(f"why low  {reason}")
    for warning in result.warnings:
        click.secho(f"warning  {warning}", fg="yellow", err=True)


class _AboveTheBar:
    """Log lines written while the bar is drawn go above it, whole, instead of through it."""

    def __init__(self) -> None:
        self._partial = ""

    def write(self, text: str) -> None:
        from tqdm import tqdm

        whole, newline, self._partial = (self._partial + text).rpartition("\n")
        if newline:
            tqdm.write(whole, file=sys.stderr)

    def flush(self) -> None:
        sys.stderr.flush()


def _read_image(path: Path, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise click.ClickException(f"{path}: {size:,} bytes is too large (at most {limit:,})")
        return path.read_bytes()
    except FileNotFoundError as error:
        raise click.ClickException(f"{path}: no such file") from error
    except IsADirectoryError as error:
        raise click.ClickException(f"{path}: is a folder, not an image") from error
    except OSError as error:
        raise click.ClickException(f"{path}: cannot read: {error.strerror or error}") from error


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "model"


def _size(path: Path) -> str:
    size = path.stat().st_size
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
