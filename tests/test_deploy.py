"""deploy/: the env example documents every setting and loads as is; compose and systemd run real commands."""

from __future__ import annotations

import configparser
import importlib
import json
import os
import re
import runpy
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from dotenv import dotenv_values

from tests.reliability.rig import crash
from woo3d.cli import main
from woo3d.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SOURCES = ("woo3d/settings.py", "pipeline/config.py", "woo3d/gunicorn_conf.py")
NAME = re.compile(r'"((?:WOO3D|WC|WP|TRIPO|HF|HUGGINGFACE|PIPELINE|PROMETHEUS)_[A-Z0-9_]+)"')


def test_env_example_documents_every_setting_the_code_reads() -> None:
    read = {name for source in SOURCES for name in NAME.findall((ROOT / source).read_text())}
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(), re.MULTILINE))
    assert read - documented == set()
    assert {"WOO3D_SWEEP_MINUTES", "WOO3D_PUBLIC_URL", "TRIPO_API_KEY", "HUGGINGFACE_API_TOKEN"} <= documented


def test_env_example_copied_as_is_gives_valid_default_settings() -> None:
    values = {k: v or "" for k, v in dotenv_values(DEPLOY / "env.example").items()}
    assert "PROMETHEUS_MULTIPROC_DIR" not in values  # merely present, it switches prometheus-client's mode
    settings = Settings.from_env(values)
    assert settings.sweep_minutes == 10 and settings.redis_url is None and not settings.store.configured


def woo3d_commands(argv: list[str]) -> None:
    """Fails unless `woo3d …` names a real command and its options."""
    assert argv[0].endswith("woo3d"), argv
    command = main.get_command(None, argv[1])  # type: ignore[arg-type]
    assert command is not None, argv
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    assert {a for a in argv[2:] if a.startswith("-")} <= options, argv


def test_compose_services_run_the_web_the_workers_and_share_redis_and_metrics() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"redis", "web", "worker", "rq-dashboard"}
    assert services["web"]["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py", "woo3d.wsgi:app"]
    woo3d_commands(services["worker"]["command"])
    for name in ("web", "worker"):
        environment = services[name]["environment"]
        assert environment["WOO3D_REDIS_URL"] == "redis://redis:6379/0"
        assert "metrics:/run/woo3d-metrics" in services[name]["volumes"]
        assert environment["PROMETHEUS_MULTIPROC_DIR"] == "/run/woo3d-metrics"
    assert services["rq-dashboard"]["profiles"] == ["dashboard"]
    assert all(p.startswith("127.0.0.1:") for p in services["rq-dashboard"]["ports"])
    build = services["web"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve().is_file()


def test_systemd_units_start_real_commands_with_the_shared_metrics_directory() -> None:
    for unit in ("woo3d-web.service", "woo3d-worker@.service"):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(DEPLOY / "systemd" / unit)
        service = parser["Service"]
        argv = shlex.split(service["ExecStart"])
        if argv[0].endswith("gunicorn"):
            assert argv[1:] == ["-c", "deploy/gunicorn.conf.py", "woo3d.wsgi:app"]
        else:
            woo3d_commands(argv)
        assert service["Environment"] == "PROMETHEUS_MULTIPROC_DIR=/run/woo3d-metrics"
        assert service["EnvironmentFile"] == "/etc/woo3d/woo3d.env"
    assert "d /run/woo3d-metrics" in (DEPLOY / "systemd" / "woo3d.tmpfiles").read_text()


def test_gunicorn_defaults_are_what_env_example_and_the_readme_say(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """env.example copied as is (empty WOO3D_WEB_WORKERS included) gives the documented defaults."""
    for name, value in dotenv_values(DEPLOY / "env.example").items():
        monkeypatch.setenv(name, value or "")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    # Imported here, not at the top: without PROMETHEUS_MULTIPROC_DIR it would set one for the whole test run.
    gunicorn_conf = importlib.reload(importlib.import_module("woo3d.gunicorn_conf"))  # read under this environment
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))  # what compose, systemd and run.sh load
    assert {name: conf[name] for name in gunicorn_conf.__all__} == {n: getattr(gunicorn_conf, n) for n in gunicorn_conf.__all__}
    assert (conf["workers"], conf["threads"], conf["accesslog"]) == (2 * (os.cpu_count() or 1), 4, None)
    assert conf["control_socket_disable"] is True  # else gunicorn writes ~/.gunicorn/gunicorn.ctl
    reference = (ROOT / "docs/reference/configuration.md").read_text()  # generated from woo3d.settings.VARIABLES
    for row in ("| `WOO3D_BIND` | `0.0.0.0:8000` |", "| `WOO3D_WEB_WORKERS` | 2 × cores |",
                "| `WOO3D_WEB_THREADS` | `4` |", "| `WOO3D_ACCESS_LOG` | `false` |"):
        assert row in reference


@pytest.fixture
def setup_copy(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """deploy/setup.sh in a copy of the checkout whose Debian packages and npm tools are in place, with a
    .venv whose pip only records what it was asked to do."""
    checkout = tmp_path / "checkout"
    (checkout / "deploy").mkdir(parents=True)
    for name in ("deploy/setup.sh", "pyproject.toml", "package.json"):
        shutil.copy2(ROOT / name, checkout / name)
    (checkout / "node_modules").mkdir()
    tools = tmp_path / "tools"
    tools.mkdir()
    fakes = {
        tools / "dpkg-query": "printf 'install ok installed'",
        tools / "npm": "exit 0",
        checkout / ".venv" / "bin" / "python": "exit 0",
        checkout / ".venv" / "bin" / "pip": f'echo "$*" >> {tmp_path / "pip.log"}',
    }
    for path, body in fakes.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    past = 946684800  # 2000-01-01: older than any install, however long ago setup ran
    os.utime(checkout / "pyproject.toml", (past, past))
    os.utime(checkout / "package.json", (past, past))
    return checkout, {"PATH": f"{tools}:/usr/bin:/bin", "HOME": str(tmp_path)}


def installs(setup_copy: tuple[Path, dict[str, str]], extras: str | None) -> list[str]:
    """The woo3d installs one run of setup.sh asked pip for."""
    checkout, env = setup_copy
    log = checkout.parent / "pip.log"
    log.unlink(missing_ok=True)
    run = subprocess.run(["bash", "deploy/setup.sh"], cwd=checkout, capture_output=True, text=True,
                         env={**env, **({"WOO3D_EXTRAS": extras} if extras else {})})
    assert run.returncode == 0, run.stderr
    assert run.stdout.rstrip().endswith("setup: ready")
    return [line for line in log.read_text().splitlines() if "-e" in line] if log.exists() else []


def test_setup_installs_again_only_for_extras_or_a_pyproject_it_has_not_installed(
    setup_copy: tuple[Path, dict[str, str]],
) -> None:
    assert installs(setup_copy, "dev,selfhosted") == ["install -q -e .[dev,selfhosted]"]  # deploy/test.sh
    assert installs(setup_copy, None) == []  # deploy/run.sh afterwards: dev is part of what is installed
    assert installs(setup_copy, "selfhosted") == []
    (setup_copy[0] / "pyproject.toml").touch()
    assert installs(setup_copy, None) == ["install -q -e .[dev]"]
    assert installs(setup_copy, "dev,selfhosted") == ["install -q -e .[dev,selfhosted]"]


def test_the_editable_install_is_a_plain_path_entry_without_setuptools_warnings(tmp_path: Path) -> None:
    """setuptools' supported static mode: no deprecated compat mode, no import hook with its warning.
    Builds the editable wheel pip would install (through the PEP 660 hook), installing nothing."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md", "woo3d", "webhooks", "pipeline", "wp_bridge"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, project / name)
    build = subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools import build_meta; print(build_meta.build_editable(sys.argv[1]))",
         str(tmp_path / "wheel")], cwd=project, capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr
    assert "warning" not in build.stderr.lower(), build.stderr
    with zipfile.ZipFile(tmp_path / "wheel" / build.stdout.split()[-1]) as wheel:
        [pth] = [name for name in wheel.namelist() if name.endswith(".pth")]
        assert wheel.read(pth).decode().strip() == str(project)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def refuses(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def run_copy(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """deploy/run.sh in a copy of the tracked files, with this checkout's code, venv and npm tools; setup.sh
    finds everything installed (its Debian check answers yes, the venv's pip refuses to install)."""
    checkout = tmp_path / "checkout"
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode()
    for name in filter(None, names.split("\0")):
        if (ROOT / name).is_file() and not name.startswith("tests/"):
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, checkout / name)
    venv = ROOT / ".venv"
    (checkout / ".venv" / "bin").mkdir(parents=True)
    for tool in ("python", "gunicorn", "woo3d"):
        (checkout / ".venv" / "bin" / tool).symlink_to(venv / "bin" / tool)
    tools = tmp_path / "tools"
    tools.mkdir()
    for path, body in {tools / "dpkg-query": "printf 'install ok installed'", tools / "npm": "exit 1",
                       checkout / ".venv" / "bin" / "pip": "exit 1"}.items():
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    (checkout / ".venv" / ".woo3d-installed").write_text("dev\n")
    (checkout / "node_modules").symlink_to(ROOT / "node_modules")
    past = 946684800  # 2000-01-01: older than any install, however long ago setup ran
    for name in ("pyproject.toml", "package.json"):
        os.utime(checkout / name, (past, past))
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": f"{tools}:{os.environ['PATH']}", "HOME": str(home), "PYTHONPATH": str(checkout),
           "LANG": "C.UTF-8", "WOO3D_REDIS_PORT": str(free_port()), "WOO3D_BIND": f"127.0.0.1:{free_port()}"}
    return checkout, env


def run_until(checkout: Path, env: dict[str, str], line: str, log: Path) -> subprocess.Popen[bytes]:
    """deploy/run.sh as a terminal would run it (its own process group), once it printed `line`."""
    with log.open("wb") as sink:
        script = subprocess.Popen(["bash", "deploy/run.sh"], cwd=checkout, env=env, stdout=sink,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 240
    while line not in log.read_text(errors="replace"):
        if time.monotonic() > deadline or script.poll() is not None:
            ctrl_c(script)
            pytest.fail(log.read_text(errors="replace")[-4000:])
        time.sleep(0.5)
    return script


def ctrl_c(script: subprocess.Popen[bytes]) -> int:
    """What Ctrl-C at the terminal does: SIGINT to the foreground process group."""
    os.killpg(script.pid, signal.SIGINT)
    try:
        return script.wait(timeout=90)
    except subprocess.TimeoutExpired:  # kill what it started too, so the hang fails this test and no later one
        crash(script)
        raise


@pytest.mark.slow
def test_run_sh_serves_other_terminals_stops_cleanly_and_writes_only_inside_the_checkout(
    run_copy: tuple[Path, dict[str, str]],
) -> None:
    checkout, env = run_copy
    log = checkout / "run.log"
    script = run_until(checkout, env, "in a browser to see the model", log)
    try:
        assert "run: product 1001 status:" in log.read_text() and '"done"' in log.read_text()
        # Another terminal, with nothing but the checkout's .env: it sees the running system's delivery.
        other = subprocess.run([str(checkout / ".venv" / "bin" / "woo3d"), "deliveries", "list", "--json"],
                               cwd=checkout, env=env, capture_output=True, text=True, timeout=60)
        assert other.returncode == 0, other.stderr
        assert [d["product_id"] for d in json.loads(other.stdout)] == [1001]
    finally:
        status = ctrl_c(script)
    output = log.read_text()
    assert status == 130
    assert "Traceback" not in output and "retrying" not in output.lower() and "Connection refused" not in output
    assert "\x1b[" not in output  # the console log format without colours: this is a file, not a terminal
    redis_port, web_port = int(env["WOO3D_REDIS_PORT"]), int(env["WOO3D_BIND"].rsplit(":", 1)[1])
    assert refuses(redis_port) and refuses(web_port)
    assert list(Path(env["HOME"]).iterdir()) == []  # nothing outside the checkout (gunicorn's control socket)
    assert f"WOO3D_REDIS_URL=redis://127.0.0.1:{redis_port}/0" in (checkout / ".env").read_text().splitlines()

    # The next start finds its Redis named in .env and starts it again.
    again = run_until(checkout, env, "run: woo3d is up", log)
    try:
        assert subprocess.run(["redis-cli", "-p", str(redis_port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG"
    finally:
        ctrl_c(again)
    assert refuses(redis_port)


def test_the_redis_client_packs_commands_and_parses_replies_in_c(redis_url: str) -> None:
    """hiredis is pinned: without it redis-py packs commands and parses replies in Python, and the
    outbox forwarder (RQ's many small commands per job) spends a quarter more CPU per delivery."""
    from redis._parsers import _HiredisParser

    from woo3d.redis_connection import connect

    connection = connect(Settings.from_env({"WOO3D_REDIS_URL": redis_url}, env_file=None))
    pooled = connection.connection_pool.get_connection()
    try:
        assert isinstance(pooled._parser, _HiredisParser)
        assert type(pooled._command_packer).__name__ == "HiredisRespSerializer"
        assert connection.set("woo3d:packed-in-c", b"\x00" * 20_000) and len(connection.get("woo3d:packed-in-c")) == 20_000
    finally:
        connection.connection_pool.release(pooled)
        connection.close()
