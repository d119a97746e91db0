"""Pure analysis: shape classes, complexity, hints, prompts and the quality comparison."""

from __future__ import annotations

import trimesh

from pipeline.generators.analysis import (
    MAX_PROMPT_CHARS,
    analyze_mesh,
    classify_shape,
    compare_candidates,
    geometry_type,
    mesh_complexity,
    optimization_hints,
    score_candidate,
)
from pipeline.product import ProductInput
from pipeline.generators.tripo import load_model
from tests.pipeline.servers.meshes import holey_vertex_coloured_glb, textured_box_glb


def test_shape_classes_of_primitive_meshes() -> None:
    lying = trimesh.creation.cylinder(0.04, 0.3)
    lying.apply_transform(trimesh.transformations.rotation_matrix(1.5708, [1, 0, 0]))
    cases = {
        "cylindrical": [trimesh.creation.cylinder(0.04, 0.1, sections=48), lying],
        "box-like": [trimesh.creation.box((0.2, 0.1, 0.3))],
        "planar": [trimesh.creation.box((0.3, 0.4, 0.01))],
        "organic": [trimesh.creation.icosphere(3), trimesh.creation.capsule(0.3, 0.1)],
    }
    for expected, meshes in cases.items():
        for mesh in meshes:
            assert classify_shape(analyze_mesh(mesh)) == expected


def test_complexity_grows_with_concavity_and_maps_to_geometry_types() -> None:
    box = mesh_complexity(analyze_mesh(trimesh.creation.box()))
    torus = mesh_complexity(analyze_mesh(trimesh.creation.torus(1.0, 0.3)))
    assert box < 0.3 < 0.6 < torus
    assert [geometry_type(c) for c in (0.0, 0.29, 0.3, 0.59, 0.6, 1.0)] == [
        "simple", "simple", "medium", "medium", "complex", "complex"]


def test_analysis_works_on_a_holey_draft_and_does_not_modify_it() -> None:
    draft = load_model(holey_vertex_coloured_glb())
    before = draft.vertices.copy()
    analysis = analyze_mesh(draft)
    assert not analysis.watertight and analysis.solidity is None and analysis.boundary_edge_ratio > 0
    assert (draft.vertices == before).all()


def test_hints_from_a_draft_that_agrees_with_the_product_words_are_confident() -> None:
    mug = ProductInput(title="Nordic Ceramic Mug", category="Kitchen", collection="Fjord",
                       description="<p>Hand-glazed stoneware. Holds 350 ml.</p>")
    hints = optimization_hints(mug, trimesh.creation.cylinder(0.04, 0.1))
    assert hints.shape_class == "cylindrical" and hints.geometry_type == "simple" and hints.from_mesh
    assert hints.confidence >= 0.8
    assert hints.suggested_prompt.startswith("Nordic Ceramic Mug, Kitchen product, from the Fjord collection")
    assert "Hand-glazed stoneware" in hints.suggested_prompt and "<p>" not in hints.suggested_prompt


def test_product_words_beat_a_disagreeing_draft_with_lower_confidence() -> None:
    hints = optimization_hints(ProductInput(title="Water bottle"), trimesh.creation.box((0.1, 0.1, 0.1)))
    assert hints.shape_class == "cylindrical" and hints.confidence < 0.55
    assert any("draft mesh looked box-like" in r for r in hints.reasons)


def test_without_a_draft_the_prompt_comes_from_the_product_alone() -> None:
    tee = ProductInput(title="Organic Cotton Tee", garment_type="t-shirt", collection="Summer 26")
    hints = optimization_hints(tee)
    assert hints.shape_class == "organic" and not hints.from_mesh and hints.confidence == 0.4
    assert "t-shirt product" in hints.suggested_prompt and "Summer 26" in hints.suggested_prompt
    unknown = optimization_hints(ProductInput())
    assert unknown.confidence == 0.2 and unknown.suggested_prompt.startswith("product, ")


def test_an_explicit_optimized_prompt_is_used_as_is() -> None:
    prompt = "  exactly this prompt, untouched  "
    assert optimization_hints(ProductInput(title="Mug"), optimized_prompt=prompt).suggested_prompt == prompt
    assert optimization_hints(ProductInput(title="Mug"), optimized_prompt="   ").suggested_prompt != "   "


def test_prompts_stay_within_tripos_limit_for_huge_titles() -> None:
    hints = optimization_hints(ProductInput(title="word " * 400, description="x" * 5000))
    assert len(hints.suggested_prompt) <= MAX_PROMPT_CHARS


def test_a_holey_vertex_coloured_draft_never_beats_a_clean_textured_model() -> None:
    textured, draft = load_model(textured_box_glb()), load_model(holey_vertex_coloured_glb())
    comparison = compare_candidates({"huggingface": draft, "tripo": textured})
    assert comparison.winner == "tripo"
    assert comparison.scores["tripo"] > comparison.scores["huggingface"]
    assert "UV-mapped texture" in comparison.reason and "holes" in comparison.reason
    # Even a perfectly closed vertex-coloured mesh stays below a clean textured one.
    closed = trimesh.creation.cylinder(0.05, 0.12)
    closed.visual.vertex_colors = [200, 80, 40, 255]
    assert score_candidate(closed, "hf").score < score_candidate(textured, "tripo").score


def test_comparison_edge_cases() -> None:
    single = compare_candidates({"local": trimesh.creation.box()})
    assert single.winner == "local" and "only candidate" in single.reason
    empty = score_candidate(trimesh.Trimesh(), "x")
    assert empty.score == 0.0
    tie = compare_candidates({"a": trimesh.creation.box(), "b": trimesh.creation.box()})
    assert tie.winner == "a"
