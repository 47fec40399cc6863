"""Settings are read from the environment; each case runs in a fresh interpreter."""

import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from prm.embedded import EmbeddedEngines

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], **env_overrides: str) -> subprocess.CompletedProcess:
    ignored = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the browser tests set the last one
    env = {key: value for key, value in os.environ.items() if key not in ignored}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "prm.settings",
            "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
            "REDIS_URL": os.environ.get("REDIS_URL", ""),
        }
    )
    env.update(env_overrides)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _production_env() -> dict:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "prm.example.com",
        "DATABASE_URL": settings_database_url(),
        "REDIS_URL": settings.REDIS_URL,
    }


def settings_database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@/{db['NAME']}?host={db['HOST']}"


def _new_shell(args: list[str], var: Path, **env_overrides: str) -> subprocess.Popen:
    """A bare `manage.py` command in a new shell: no SECRET_KEY, DEBUG or URLs, the given var folder."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), "PRM_VAR_DIR": str(var), **env_overrides}
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _printed_secret_key(process: subprocess.Popen) -> str:
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    return stdout.strip()


@pytest.fixture
def var():
    """A var folder of the test's own, outside pytest's temporary folder: run as root, the embedded
    PostgreSQL runs as another user, which loses its way in when a pytest session starting meanwhile
    makes that folder private again."""
    checkout = Path(tempfile.mkdtemp(prefix="prm-settings-"))
    yield checkout / "var"
    EmbeddedEngines(checkout / "var").stop()
    shutil.rmtree(checkout, ignore_errors=True)


PRINT_SECRET_KEY = ["shell", "-v", "0", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"]


@pytest.mark.parametrize(
    "servers", ["DATABASE_URL and REDIS_URL", "DATABASE_URL", "REDIS_URL"], ids=["both", "database", "broker"]
)
def test_production_settings_refuse_to_start_without_a_secret_key(servers, var):
    # given: DEBUG off, servers named, no key
    production = _production_env()
    del production["SECRET_KEY"]
    for name in ("DATABASE_URL", "REDIS_URL"):
        if name not in servers:
            production[name] = ""
    # when
    result = _run(["-c", "import django; django.setup()"], PRM_VAR_DIR=str(var), **production)
    # then: no key of its own is made either
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert not (var / "secret_key").exists()


def test_on_the_embedded_engines_a_key_is_made_once_in_var_and_shared(var):
    # given: a new shell on a fresh checkout (no SECRET_KEY, no DEBUG, no URLs)
    # when: a bare command, which starts the embedded engines (and stops them when it ends)
    first = _printed_secret_key(_new_shell(PRINT_SECRET_KEY, var))
    # then: a random key, kept private in var/
    key_file = var / "secret_key"
    assert len(first) >= 50
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # when: another bare command, and a process of `make run` (DEBUG on, the engines' URLs exported)
    again = _printed_secret_key(_new_shell(PRINT_SECRET_KEY, var))
    make_run_env = {"DEBUG": "true", "DATABASE_URL": settings_database_url(), "REDIS_URL": settings.REDIS_URL}
    make_run = _printed_secret_key(_new_shell(PRINT_SECRET_KEY, var, **make_run_env))
    # then: one key for all
    assert again == make_run == first


def test_processes_starting_at_once_agree_on_one_key(var):
    # given: no key yet; the processes of `make run` (DEBUG on, the URLs exported) start together
    env = {"DEBUG": "true", "DATABASE_URL": settings_database_url(), "REDIS_URL": settings.REDIS_URL}
    # when
    processes = [_new_shell(PRINT_SECRET_KEY, var, **env) for _ in range(6)]
    keys = {_printed_secret_key(process) for process in processes}
    # then: one key, and no temporary file left behind
    assert keys == {(var / "secret_key").read_text().strip()}
    assert [path.name for path in var.iterdir()] == ["secret_key"]


def test_debug_is_off_unless_asked_for():
    # when
    result = _run(
        ["-c", "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"],
        **_production_env(),
    )
    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_check_deploy_is_silent_with_a_production_environment():
    # when
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "DEBUG"], **_production_env())
    # then
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_only_postgresql_is_accepted():
    # when
    result = _run(["-c", "import django; django.setup()"], **{**_production_env(), "DATABASE_URL": "sqlite:///x.db"})
    # then
    assert result.returncode != 0
    assert "must point at PostgreSQL" in result.stderr


def test_a_socket_directory_in_the_database_url_becomes_the_host():
    # then: the test database runs on the embedded (or given) server
    db = settings.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert "host" not in db.get("OPTIONS", {})
    if "?host=" in os.environ.get("DATABASE_URL", ""):
        assert db["HOST"] == os.environ["DATABASE_URL"].split("?host=")[1]


def test_with_both_urls_set_no_embedded_engine_is_started(tmp_path):
    # given: an empty var folder that the embedded engines would use
    var = tmp_path / "var"
    # when
    result = _run(
        ["-c", "import django; django.setup(); from django.conf import settings; print(settings.EMBEDDED_ENGINES)"],
        PRM_VAR_DIR=str(var),
        **_production_env(),
    )
    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    assert not (var / "pgdata").exists()


def test_production_cookies_and_transport_are_secure():
    # when
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = _run(["-c", code], **_production_env())
    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "True"]


def test_celery_is_configured_for_at_least_once_delivery():
    # then
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"


@pytest.mark.django_db
def test_database_sessions_plan_cursors_for_every_row_and_do_not_jit():
    """A CSV export's server-side cursor reads every row: planned for the first tenth, a filtered
    export walked the name index over every partner (226 ms instead of 17 ms at 100,000)."""
    # when
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('cursor_tuple_fraction'), current_setting('jit')")
        fraction, jit = cursor.fetchone()
    # then
    assert (float(fraction), jit) == (1.0, "off")
