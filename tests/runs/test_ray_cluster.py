"""A sweep on a real Ray cluster: ``ray start --head`` on the loopback in a temporary folder, ``--address`` to it,
the same table as the inline backend, then the cluster is stopped (only the processes this test started)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.runs.conftest import tiny, write
from vvl_env.runs.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[2]
ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install -e '.[ray]')")


def free_ports(n: int) -> list[int]:
    """``n`` distinct ports free on 127.0.0.1 now."""
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def test_sweep_on_a_local_ray_cluster(tmp_path: Path) -> None:
    ray_cli = shutil.which("ray") or str(Path(sys.executable).with_name("ray"))
    temp = tempfile.mkdtemp(prefix="vvlray")  # short: Ray's socket paths must stay under 108 characters
    gcs, client, manager, objects, metrics, agent, agent_grpc, runtime = free_ports(8)
    low = free_ports(1)[0]
    cmd = [ray_cli, "start", "--head", "--block", "--node-ip-address", "127.0.0.1", "--port", str(gcs),
           "--ray-client-server-port", str(client), "--node-manager-port", str(manager),
           "--object-manager-port", str(objects), "--metrics-export-port", str(metrics),
           "--dashboard-agent-listen-port", str(agent), "--dashboard-agent-grpc-port", str(agent_grpc),
           "--runtime-env-agent-port", str(runtime), "--min-worker-port", str(low), "--max-worker-port",
           str(low + 20), "--include-dashboard", "false", "--num-cpus", "2", "--temp-dir", temp,
           "--disable-usage-stats"]
    # token authentication (recent Ray makes it the default of a new cluster): the head and the driver both use the
    # token file ~/.ray/auth_token, which the head creates if it is missing; the driver is `vvl sweep` in a process
    # of its own, as a user runs it (Ray reads RAY_AUTH_MODE when it is imported)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_TMPDIR": temp, "RAY_AUTH_MODE": "token"}
    log = open(Path(temp) / "head.log", "w")
    head = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and head.poll() is None:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", gcs)) == 0:
                    break
            time.sleep(0.2)
        assert head.poll() is None, f"ray start --head exited: {(Path(temp) / 'head.log').read_text()[-2000:]}"
        scenario = write(tmp_path / "g.toml", tiny(learner=False, evaluation={"episodes": 10},
                                                     sweep={"parameters": {"env.config.cost": [0.0, 0.5]},
                                                            "seeds": [0]}))
        vvl = [sys.executable, "-c", "import sys; from vvl_env.cli import main; sys.exit(main(sys.argv[1:]))"]
        driver = subprocess.run(vvl + ["sweep", str(scenario), "--backend", "ray", "--address", f"127.0.0.1:{gcs}",
                                       "--out", str(tmp_path / "ray"), "--quiet"], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=300)
        assert driver.returncode == 0, driver.stderr[-2000:]
        on_ray = next((tmp_path / "ray").glob("*/*-sweep-*"))
        inline = run_sweep(scenario, tmp_path / "inline", backend="inline", quiet=True)
        assert (on_ray / "table.csv").read_text() == (inline / "table.csv").read_text()
        assert '"backend": "ray"' in (on_ray / "sweep.json").read_text()
    finally:
        stop(head)
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


def stop(head: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the head's process group (with --block the head stops the processes it started), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(head.pid, sig)
        except ProcessLookupError:  # the group is gone already
            break
        try:
            head.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
