"""A course's whole stack on one machine's loopback: a Ray head, N Streamlit replicas whose
runs train on it, and nginx in front of them (README, "A course past one machine").

    python -m deploy.cluster --replicas 2 --port 8080

prints the address to open and runs until Ctrl-C. On a real cluster the same pieces are
started by hand: `ray start --head` on one machine (`ray start --address` on the others), the
replicas with RAY_ADDRESS and one shared STREAMLIT_SERVER_COOKIE_SECRET, and nginx with the config
`nginx_conf` writes (deploy/nginx.conf.template). The tests start it with `stack()`.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
RAY = shutil.which("ray") or str(Path(sys.executable).parent / "ray")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_conf(port: int, replica_ports: list[int], workdir: Path) -> str:
    """nginx's config for `replica_ports` behind 127.0.0.1:`port` (see the template)."""
    upstreams, cookie_map, served_map = [], [], []
    for i, own in enumerate(replica_ports):
        servers = [f"        server 127.0.0.1:{own} max_fails=1 fail_timeout=5s;"]
        servers += [f"        server 127.0.0.1:{other} backup;" for other in replica_ports if other != own]
        upstreams.append(f"    upstream replica_{i} {{\n" + "\n".join(servers) + "\n    }")
        cookie_map.append(f'        "{i}" replica_{i};')
        served_map.append(f'        "~:{own}$" "{i}";')
    fields = {
        "@DIR@": str(workdir), "@PORT@": str(port), "@UPSTREAMS@": "\n".join(upstreams),
        "@SERVERS@": "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in replica_ports),
        "@COOKIE_MAP@": "\n".join(cookie_map), "@SERVED_MAP@": "\n".join(served_map),
    }
    text = TEMPLATE.read_text()
    for name, value in fields.items():
        text = text.replace(name, value)
    return text


def wait_http(url: str, timeout: float = 90.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


@dataclass
class Stack:
    url: str  # nginx's address: what students open
    ray_address: str
    replica_ports: list[int]
    workdir: Path
    cookie_secret: str
    replicas: list[subprocess.Popen] = field(default_factory=list)
    nginx: subprocess.Popen | None = None

    def replica_env(self) -> dict:
        # the secret goes in the environment: Streamlit refuses it on the command line
        return {**os.environ, "RAY_ADDRESS": self.ray_address, "RLHF_PLAYGROUND_BACKEND": "ray",
                "STREAMLIT_SERVER_COOKIE_SECRET": self.cookie_secret}

    def start_replica(self, i: int) -> None:
        """Replica i on its port; every replica shares the cookie secret (an upload's XSRF
        check passes on whichever replica serves it) and the Ray cluster."""
        log = open(self.workdir / f"replica_{i}.log", "ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(self.replica_ports[i])],
            cwd=ROOT, env=self.replica_env(), stdout=log, stderr=subprocess.STDOUT)
        if i < len(self.replicas):
            self.replicas[i] = process
        else:
            self.replicas.append(process)
        wait_http(f"http://127.0.0.1:{self.replica_ports[i]}/_stcore/health")

    def stop_replica(self, i: int) -> None:
        process = self.replicas[i]
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def restart_replica(self, i: int) -> None:
        self.stop_replica(i)
        self.start_replica(i)


def start_ray(port: int) -> str:
    subprocess.run([RAY, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
                    "--include-dashboard", "false", "--disable-usage-stats"],
                   check=True, capture_output=True, timeout=180)
    return f"127.0.0.1:{port}"


def stop_ray() -> None:
    subprocess.run([RAY, "stop", "--force"], capture_output=True, timeout=120)


@contextmanager
def stack(replicas: int = 2, port: int | None = None, ray_address: str | None = None):
    """Ray (a local head unless `ray_address` names one), `replicas` Streamlit servers and
    nginx, all on loopback; everything it started is stopped afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="rlhf-playground-stack-"))
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / sub).mkdir()
        (workdir / sub).chmod(0o777)  # nginx's workers may run as another user
    own_ray = ray_address is None
    port = port or free_port()
    current = None
    try:
        address = start_ray(free_port()) if own_ray else ray_address
        current = Stack(url=f"http://127.0.0.1:{port}", ray_address=address,
                        replica_ports=[free_port() for _ in range(replicas)], workdir=workdir,
                        cookie_secret=secrets.token_hex(32))
        for i in range(replicas):
            current.start_replica(i)
        conf = workdir / "nginx.conf"
        conf.write_text(nginx_conf(port, current.replica_ports, workdir))
        subprocess.run([NGINX, "-t", "-p", str(workdir), "-c", str(conf)], check=True, capture_output=True)
        current.nginx = subprocess.Popen([NGINX, "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(f"{current.url}/_stcore/health")
        yield current
    finally:
        if current is not None:
            if current.nginx is not None:
                current.nginx.terminate()
                current.nginx.wait(10)
            for i in range(len(current.replicas)):
                current.stop_replica(i)
        if own_ray:
            stop_ray()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--ray-address", default=None, help="an existing cluster (default: start a local head)")
    args = parser.parse_args(argv)
    with stack(args.replicas, args.port, args.ray_address) as running:
        print(f"RLHF Playground: {running.url} (nginx -> {len(running.replicas)} replicas on ports "
              f"{', '.join(map(str, running.replica_ports))}; Ray at {running.ray_address})", flush=True)
        try:
            while all(p.poll() is None for p in running.replicas):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
