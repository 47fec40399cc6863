"""The files that run the project elsewhere: docker compose, Procfile, .env.example."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_the_five_services_from_one_image():
    # when
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    # then
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "-A", "prm", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "prm", "beat"]
    for name in ("web", "worker", "beat"):
        assert services[name]["build"] == "."
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://")
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_file_validates():
    # given: `docker compose` (plugin) or `docker-compose`; CI installs the latter
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        command = ["docker", "compose"]
    else:
        assert shutil.which("docker-compose"), "install docker-compose (Debian package) to validate the compose file"
        command = ["docker-compose"]
    env = {**os.environ, "SECRET_KEY": "validation-only"}
    # when
    result = subprocess.run([*command, "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True)
    # then
    assert result.returncode == 0, result.stderr


def test_procfile_has_web_worker_and_beat():
    # when
    processes = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    # then
    assert set(processes) == {"web", "worker", "beat"}
    assert "gunicorn prm.wsgi" in processes["web"]
    assert "celery -A prm worker" in processes["worker"]
    assert "celery -A prm beat" in processes["beat"]


def test_env_example_lists_every_variable_the_settings_read():
    # given
    settings_source = (ROOT / "prm" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    # when
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    # then
    assert read, "the settings read no variables?"
    assert read - listed == set()
