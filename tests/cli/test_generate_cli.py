"""`woo3d generate`: files and a summary on success; one clear line and exit 1 on bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import structlog
from click.testing import CliRunner
from PIL import Image

from pipeline.backends import GeneratedMesh, Progress, no_progress
from pipeline.generators.local_generator import LocalGenerator
from pipeline.product import ProductInput
from pipeline.progress import within
from tests.pipeline import synthetic
from woo3d.cli import main
from woo3d.cli.generate import BACKENDS


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env; default output under tmp_path
    monkeypatch.setenv("WOO3D_OUTPUT_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("WOO3D_LOG_FORMAT", "console")
    return CliRunner()


@pytest.fixture
def mug(tmp_path: Path) -> Path:
    path = tmp_path / "mug.png"
    path.write_bytes(synthetic.mug_on_white().data)
    return path


def test_generate_writes_the_outputs_and_a_summary(runner: CliRunner, mug: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = runner.invoke(main, ["generate", str(mug), "--title", "Red mug", "--dimensions", "12x10x9cm",
                                "--out", str(out), "--face-budget", "4000"])
    assert done.exit_code == 0, done.output
    for name in ("model.glb", "model.usdz", "poster.png", "report.json", "preview.html"):
        assert (out / name).is_file()
    assert "quality" in done.stdout and "/100" in done.stdout and str(out / "model.glb") in done.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["product"]["title"] == "Red mug" and report["decimation"]["face_budget"] == 4000
    assert report["dimensions_m"]["width"] == pytest.approx(0.12)


def test_default_output_folder_is_named_after_the_title(runner: CliRunner, mug: Path, tmp_path: Path) -> None:
    done = runner.invoke(main, ["generate", str(mug), "--title", "Red Mug 2", "--formats", "glb", "--face-budget", "2000"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "var" / "red-mug-2" / "model.glb").is_file()
    assert "no dimensions given" in done.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--dimensions", "big"], "cannot read dimensions 'big'"),
        (["--face-budget", "7"], "face budget 7 is out of range"),
        (["--formats", "glb,max"], "unknown format 'max'"),
    ],
)
def test_bad_options_give_one_clear_line(runner: CliRunner, mug: Path, arguments: list[str], message: str) -> None:
    done = runner.invoke(main, ["generate", str(mug), *arguments])
    assert done.exit_code == 1
    assert done.stderr.strip().splitlines() == [f"Error: {done.stderr.strip()[7:]}"]
    assert message in done.stderr and "Traceback" not in done.output


def test_missing_file_gives_one_clear_line(runner: CliRunner, tmp_path: Path) -> None:
    done = runner.invoke(main, ["generate", str(tmp_path / "nope.jpg")])
    assert done.exit_code == 1 and "nope.jpg: no such file" in done.stderr


def test_not_an_image_gives_one_clear_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    done = runner.invoke(main, ["generate", str(path)])
    assert done.exit_code == 1
    assert "Error: notes.txt: not an image" in done.stderr
    assert done.exception is None or isinstance(done.exception, SystemExit)


def test_the_merchants_shape_choice_reaches_the_report(runner: CliRunner, mug: Path, tmp_path: Path) -> None:
    out = tmp_path / "round"
    done = runner.invoke(main, ["generate", str(mug), "--shape", "round", "--out", str(out), "--formats", "glb",
                                "--face-budget", "2000"])
    assert done.exit_code == 0, done.output
    report = json.loads((out / "report.json").read_text())
    assert report["product"]["shape"] == "round"
    assert report["generator_details"]["segmentation"] == "learned"


def test_only_known_shapes_are_accepted(runner: CliRunner, mug: Path) -> None:
    done = runner.invoke(main, ["generate", str(mug), "--shape", "sphere"])
    assert done.exit_code == 2 and "'free-form'" in done.stderr


def test_only_known_backends_are_accepted(runner: CliRunner, mug: Path) -> None:
    done = runner.invoke(main, ["generate", str(mug), "--backend", "magic"])
    assert done.exit_code == 2 and "'local'" in done.stderr


def bar_frames(stderr: str) -> list[str]:
    """What the progress bar drew, frame by frame (tqdm redraws in place after a carriage return)."""
    return [frame for line in stderr.split("\n") for frame in line.split("\r")]


def test_the_bar_shows_each_stage_with_its_own_percentage_ending_at_100(runner: CliRunner, mug: Path, tmp_path: Path) -> None:
    done = runner.invoke(main, ["generate", str(mug), "--out", str(tmp_path / "out"), "--formats", "glb",
                                "--face-budget", "2000", "--backend", "local"])
    assert done.exit_code == 0, done.output
    drawn = [frame for frame in bar_frames(done.stderr) if re.search(r"\d+% \d\d:\d\d$", frame)]
    percentages = [int(re.search(r"(\d+)% \d\d:\d\d$", frame).group(1)) for frame in drawn]  # type: ignore[union-attr]
    assert percentages == sorted(percentages) and percentages[-1] == 100
    last_stage = drawn[-1].split("  ")[0]
    assert all(frame.endswith("100% " + frame[-5:]) for frame in drawn if frame.startswith(last_stage + " "))


class _TalkativeLocalGenerator:
    """The local generator after a stage that logs a warning mid-run, as a failing paid stage does."""

    name = "local"

    def generate(self, product: ProductInput, progress: Progress = no_progress) -> GeneratedMesh:
        progress("drafting", 0.2)
        structlog.get_logger("test").warning("draft_failed", reason="the Space is down")
        return LocalGenerator(max_faces=2000).generate(product, within(progress, 0.2, 1.0))


def test_log_lines_written_during_the_bar_come_out_whole(runner: CliRunner, mug: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WOO3D_LOG_FORMAT", "json")
    monkeypatch.setitem(BACKENDS, "local", lambda settings: _TalkativeLocalGenerator())
    done = runner.invoke(main, ["generate", str(mug), "--out", str(tmp_path / "out"), "--formats", "glb",
                                "--face-budget", "2000", "--backend", "local"])
    assert done.exit_code == 0, done.output
    logged = [json.loads(frame) for frame in bar_frames(done.stderr) if frame.startswith("{")]
    assert [line["event"] for line in logged] == ["draft_failed"]


def test_an_error_after_the_bar_started_is_printed_on_a_cleared_line(runner: CliRunner, tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), (255, 255, 255)).save(blank)
    done = runner.invoke(main, ["generate", str(blank), "--backend", "local"])
    assert done.exit_code == 1
    *bar, error = done.stderr.rstrip("\n").split("\r")
    assert error == "Error: blank.png: no product found: the image is all background (one plain colour)"
    assert any("segmenting" in frame for frame in bar) and bar[-1].strip() == ""
def test_the_summary_says_why_a_score_is_low(runner: CliRunner, mug: Path, tmp_path: Path) -> None:
    done = runner.invoke(main, ["generate", str(mug), "--dimensions", "60x4x4cm", "--out", str(tmp_path / "flat"),
                                "--formats", "glb", "--face-budget", "2000"])
    assert done.exit_code == 0, done.output
    assert "why low  the model was stretched" in done.stdout
