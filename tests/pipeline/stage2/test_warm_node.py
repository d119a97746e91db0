"""pipeline.stage2.warm_node: node is started once and kept, shared with forked work-horses, restarted or bypassed when it dies, stopped when it hangs."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from pipeline.errors import ExportError
from pipeline.stage2 import compress
from pipeline.stage2.compress import UNCOMPRESSED_NAME, check_compression, compress_glb
from pipeline.stage2.export import export_glb
from pipeline.stage2.warm_node import warm_node
from tests.pipeline.meshes import textured_sphere


@pytest.fixture
def glb(tmp_path: Path) -> Path:
    path = tmp_path / "model.glb"
    path.write_bytes(export_glb(textured_sphere(4, texture_size=256)))
    return path


def kept_node_pid() -> int:
    check_compression("draco")
    return warm_node(compress._node(), compress._SCRIPT)._process.pid


def test_later_compressions_use_the_node_already_loaded(glb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = kept_node_pid()
    # A node started now could not load the script; the kept one has it loaded already.
    monkeypatch.setattr(compress, "_SCRIPT", glb.with_name("missing.mjs"))
    second = glb.parent / "second" / "model.glb"
    second.parent.mkdir()
    second.write_bytes(glb.read_bytes())
    assert compress_glb(glb, "draco") is not None
    assert compress_glb(second, "meshopt") is not None
    assert kept_node_pid() == pid


def _compress_in_forked_child(glb: Path) -> None:
    os._exit(0 if compress_glb(glb, "draco") is not None else 1)


def test_a_forked_work_horse_uses_its_parents_node(glb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept_node_pid()
    monkeypatch.setattr(compress, "_SCRIPT", glb.with_name("missing.mjs"))
    horse = multiprocessing.get_context("fork").Process(target=_compress_in_forked_child, args=(glb,))
    horse.start()
    horse.join(60)
    assert horse.exitcode == 0
    assert (glb.parent / UNCOMPRESSED_NAME).exists()


def test_a_work_horse_whose_parents_node_died_runs_its_own(glb: Path) -> None:
    os.kill(kept_node_pid(), signal.SIGKILL)
    horse = multiprocessing.get_context("fork").Process(target=_compress_in_forked_child, args=(glb,))
    horse.start()
    horse.join(60)
    assert horse.exitcode == 0


def test_a_node_that_died_is_started_again(glb: Path) -> None:
    dead = kept_node_pid()
    os.kill(dead, signal.SIGKILL)
    os.waitpid(dead, 0)
    assert compress_glb(glb, "draco") is not None
    assert kept_node_pid() != dead


def test_a_hung_node_is_stopped_with_a_clear_error_and_the_glb_put_back(glb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = glb.read_bytes()
    hung = kept_node_pid()
    os.kill(hung, signal.SIGSTOP)
    monkeypatch.setattr(compress, "_TIMEOUT_S", 1)
    with pytest.raises(ExportError, match="GLB compression timed out after 1 s"):
        compress_glb(glb, "draco")
    assert glb.read_bytes() == original and not (glb.parent / UNCOMPRESSED_NAME).exists()
    monkeypatch.undo()
    assert compress_glb(glb, "draco") is not None  # a fresh node serves the next job
    assert kept_node_pid() != hung


def test_a_node_that_dies_while_compressing_hands_the_glb_to_one_of_its_own(glb: Path) -> None:
    """A work-horse can reach its parent's node just as it dies: the job still gets its GLB."""
    dying = kept_node_pid()
    os.kill(dying, signal.SIGSTOP)  # it takes the request, then dies without answering
    pending = compress.start_compression(glb, "draco")
    assert pending is not None
    os.kill(dying, signal.SIGKILL)
    assert pending.result().bytes_after < pending.result().bytes_before
