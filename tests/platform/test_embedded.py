"""The embedded engines start, are reused, and stop; each test uses a var folder of its own."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
import redis

from prm.embedded import EmbeddedEngines

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def engines(tmp_path):
    engines = EmbeddedEngines(tmp_path / "var")
    yield engines
    engines.stop()


def test_engines_start_answer_and_stop(engines):
    # when
    urls, started = engines.ensure_running()
    # then
    assert started is True
    socket_dir = urls.database_url.split("?host=")[1]
    with psycopg2.connect(dbname="prm", user="postgres", host=socket_dir) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert redis.Redis.from_url(urls.redis_url).ping() is True
    assert not urls.redis_url.startswith("redis://127.0.0.1:6379/")
    # when
    pg_pid, valkey_pid = engines.postgres_pid(), engines.valkey_pid()
    engines.stop()
    # then
    assert not engines.is_postgres_running()
    assert not engines.is_valkey_running()
    for pid in (pg_pid, valkey_pid):
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_a_running_engine_is_reused_not_restarted(engines, tmp_path):
    # given
    first_urls, _ = engines.ensure_running()
    pids = (engines.postgres_pid(), engines.valkey_pid())
    # when: another process (here, another handle) asks for the engines
    again = EmbeddedEngines(tmp_path / "var")
    urls, started = again.ensure_running()
    # then
    assert started is False
    assert urls == first_urls
    assert (again.postgres_pid(), again.valkey_pid()) == pids


def test_data_survives_a_restart(engines):
    # given
    urls, _ = engines.ensure_running()
    host = urls.database_url.split("?host=")[1]
    with psycopg2.connect(dbname="prm", user="postgres", host=host) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE kept (value text); INSERT INTO kept VALUES ('still here')")
    # when
    engines.stop()
    urls, started = engines.ensure_running()
    # then
    assert started is True
    host = urls.database_url.split("?host=")[1]
    with psycopg2.connect(dbname="prm", user="postgres", host=host) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT value FROM kept")
        assert cursor.fetchone() == ("still here",)


def test_exec_exports_the_urls_and_stops_what_it_started(tmp_path):
    # given
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["PRM_VAR_DIR"] = str(var)
    # when
    result = subprocess.run(
        [sys.executable, "prm/embedded.py", "exec", "--", sys.executable, "-c",
         "import os; print(os.environ['DATABASE_URL']); print(os.environ['REDIS_URL'])"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    # then
    assert result.returncode == 0, result.stderr
    database_url, redis_url = result.stdout.split()
    assert database_url == f"postgres://postgres@/prm?host={var.resolve() / 'pgdata'}"
    assert redis_url.startswith("redis://127.0.0.1:")
    after = EmbeddedEngines(var)
    assert not after.is_postgres_running()
    assert not after.is_valkey_running()


def test_exec_leaves_engines_it_did_not_start_running(engines, tmp_path):
    # given
    engines.ensure_running()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["PRM_VAR_DIR"] = str(tmp_path / "var")
    # when
    result = subprocess.run([sys.executable, "prm/embedded.py", "exec", "--", "true"], cwd=ROOT, env=env, timeout=120)
    # then
    assert result.returncode == 0
    assert engines.is_postgres_running()
    assert engines.is_valkey_running()
