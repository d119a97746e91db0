"""The render child and node start with the job, and no job leaves them behind, however it ends."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from pipeline.backends import GeneratedMesh, Progress, no_progress
from pipeline.config import PipelineConfig
from pipeline.errors import MeshError
from pipeline.generate import generate_assets
from pipeline.product import ProductInput
from tests.validators import ROOT


def helper_processes() -> list[psutil.Process]:
    """This process's children: the render child (a fork of it) and node."""
    return psutil.Process().children(recursive=True)


class FailingGenerator:
    """A backend whose mesh cannot be built; it notes which helpers were running meanwhile."""

    name = "failing"

    def __init__(self) -> None:
        self.running_meanwhile: list[str] = []

    def generate(self, product: ProductInput, progress: Progress = no_progress) -> GeneratedMesh:
        ours = psutil.Process().exe()
        self.running_meanwhile = sorted("render child" if p.exe() == ours else Path(p.exe()).name
                                        for p in helper_processes())
        raise MeshError("no mesh for this product")


def test_the_helpers_run_while_the_mesh_is_built_and_a_failed_job_leaves_none_behind(tmp_path: Path) -> None:
    generator = FailingGenerator()
    with pytest.raises(MeshError, match="no mesh for this product"):
        generate_assets(ProductInput(title="Mug"), tmp_path, PipelineConfig(), backend=generator)
    assert generator.running_meanwhile == ["node", "render child"]
    assert helper_processes() == []


def test_bad_options_are_refused_before_any_helper_starts(tmp_path: Path) -> None:
    from pipeline.errors import ExportError

    generator = FailingGenerator()
    with pytest.raises(ExportError, match="unknown GLB compression"):
        generate_assets(ProductInput(title="Mug"), tmp_path, PipelineConfig(glb_compression="zip"), backend=generator)
    assert generator.running_meanwhile == [] and helper_processes() == []


def test_a_job_killed_while_its_mesh_is_built_leaves_no_helper_behind() -> None:
    """The watchdog SIGKILLs a stuck job: its waiting render child and node end on their own."""
    job = textwrap.dedent("""
        import os, signal
        from pipeline.config import PipelineConfig
        from pipeline.stage2.prestart import Prestarted

        Prestarted.start(PipelineConfig())
        print(" ".join(str(child.pid) for child in __import__("psutil").Process().children()), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", job], cwd=ROOT, capture_output=True, text=True, timeout=60)
    helpers = [psutil.Process(int(pid)) for pid in done.stdout.split()]
    assert len(helpers) == 2
    gone, alive = psutil.wait_procs(helpers, timeout=15)
    assert alive == []
