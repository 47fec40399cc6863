"""The files that run the project: docker compose, Procfile, .env.example, the Makefile."""

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
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


def _compose_schema_errors(document: dict) -> list[str]:
    """What the Compose Specification's JSON schema (the copy check-jsonschema ships) finds wrong."""
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator_class(schema).iter_errors(document)
    ]


def test_compose_file_validates():
    # given: the file as docker compose reads it (YAML merge keys resolved, ${...} left as text)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    # when
    errors = _compose_schema_errors(compose)
    # then
    assert errors == []


def test_compose_validation_catches_a_broken_file():
    # given: a service with a key compose does not know, and a port list that is not a list
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    compose["services"]["web"]["comand"] = compose["services"]["web"].pop("command")
    compose["services"]["redis"]["ports"] = {"6379": 6379}
    # when
    errors = _compose_schema_errors(compose)
    # then
    assert any(error.startswith("services/web:") and "'comand'" in error for error in errors), errors
    assert any(error.startswith("services/redis/ports:") for error in errors), errors


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


def test_make_help_describes_every_target_and_is_the_default():
    # given
    makefile = (ROOT / "Makefile").read_text()
    targets = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE).group(1).split()
    # when
    listed = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True)
    default = subprocess.run(["make", "--no-print-directory"], cwd=ROOT, capture_output=True, text=True)
    # then: one line per target, each with a description
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[1]: line.split(maxsplit=2)[2] for line in listed.stdout.splitlines()}
    assert set(lines) == set(targets)
    assert all(description.strip() for description in lines.values())
    assert default.returncode == 0, default.stderr
    assert default.stdout == listed.stdout


def test_gunicorn_serves_with_threaded_workers_from_its_config_file():
    """A streamed export longer than --timeout must not get its worker killed (gthread heartbeats)."""
    # when
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "prm.wsgi:application"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    # then
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", printed, re.MULTILINE))
    assert (config["worker_class"], config["threads"]) == ("gthread", "4")
