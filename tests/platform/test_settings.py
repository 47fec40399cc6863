"""Settings are read from the environment; each case runs in a fresh interpreter."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

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


def test_production_settings_refuse_to_start_without_a_secret_key():
    # when
    result = _run(["-c", "import django; django.setup()"], DATABASE_URL=settings_database_url())
    # then
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


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
