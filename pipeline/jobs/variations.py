"""Variations: one model per distinct look, not per SKU (a sibling's model is copied, never generated twice)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from pipeline.jobs.download import ImageFetcher
from pipeline.jobs.file_checks import EXTRA_FORMATS, file_name
from wp_bridge import META_KEY, ModelMeta, Product, WooCommerceClient
from wp_bridge.writeback import VIEW_ROLES

# A model file copied from a sibling variation: GLB/USDZ of a 50k-face model are a few MB.
MAX_MODEL_BYTES = 200 * 1024 * 1024


def with_variations(
    client: WooCommerceClient, products: Iterable[Product], *, modified_after: datetime | None = None
) -> Iterator[tuple[Product, Product | None]]:
    """Each listed product as `(product, None)`, each variable one followed by its variations as
    `(variation, parent)` (those changed after `modified_after`, when given): the product listing
    never includes variations. Raises StoreError."""
    for product in products:
        yield product, None
        if product.is_variable:
            for variation in client.iter_variations(product.id, modified_after=modified_after):
                yield variation, product


def look_lock_key(parent_id: int, fingerprint: str) -> str:
    """The Redis lock held while one look of a variable product is generated and published, so the
    other variations with that photo wait and then copy it instead of generating it again."""
    return f"woo3d:lock:look:{int(parent_id)}:{fingerprint.removeprefix('sha256:')[:16]}"


def display_name(variation: Product, parent: Product) -> str:
    """"Cap - Red", as the products route (and a delivery) names a variation; the variations route says only "Red"."""
    if not variation.name or variation.name.startswith(f"{parent.name} - "):
        return variation.name or parent.name
    return f"{parent.name} - {variation.name}"


def find_twin(client: WooCommerceClient, variation: Product, fingerprint: str) -> ModelMeta | None:
    """The model of another variation of the same product with this look, if any: its live model, or
    one held for review (copied, it is held too: one look, one generation, whatever the gate said).
    Raises StoreError."""
    for sibling in client.iter_variations(variation.parent_id):
        if sibling.id == variation.id:
            continue
        value = ModelMeta.of_product(sibling.meta.get(META_KEY), sibling.id)
        for meta in (value, value.pending if value is not None else None):
            if meta is not None and meta.fingerprint == fingerprint and meta.glb:
                return meta
    return None


def copy_files(twin: ModelMeta, fetcher: ImageFetcher, out_dir: Path) -> dict[str, Path]:
    """Download a twin's published files into `out_dir`, by role, for `write_back` to publish as
    this variation's own attachments (each product owns its files, so replacing one variation's
    model never deletes another's).

    The twin's meta comes back from a store shop managers edit, so only woo3d's own roles are
    copied (GLB, USDZ, poster, review views and the extra formats woo3d exports; any other key of
    `formats` is ignored), each file is named by its role (`model.glb`, `poster.png`), never by a
    URL or a key, and each must be what its role says before it is written. Raises
    NotWhatItClaims (a file is not what its role says; the caller drops the folder), ImageError,
    ImageNotAllowed and RetryablePipelineError as the fetcher does."""
    urls = {"glb": twin.glb, "usdz": twin.usdz, "poster": twin.poster,
            **{fmt: twin.formats.get(fmt) for fmt in EXTRA_FORMATS},
            **{role: twin.views.get(angle) for role, angle in VIEW_ROLES.items()}}
    files: dict[str, Path] = {}
    for role, url in urls.items():
        if url:
            data = fetcher.fetch(url)
            target = out_dir / file_name(role, data)
            target.write_bytes(data)
            files[role] = target
    return files
