"""Every shell command the README shows works exactly as typed in a new shell.

Each ```sh block of README.md is marked by the HTML comment on the line above it (invisible on
GitHub) with what it needs:

    <!-- readme-test: offline -->                       run here, as typed
    <!-- readme-test: needs make run: <reason> -->      asks the running site
    <!-- readme-test: production: <reason> -->         needs Docker or production servers
    <!-- readme-test: not run: <reason> -->            runs too long to run here (or is `make test`)

A block without a mark fails the suite, so no command joins the README untested by accident.
The offline blocks run in a new shell's environment (none of the test process's SECRET_KEY, DEBUG,
DJANGO_SETTINGS_MODULE or database and broker URLs) on a fresh checkout's state: a var folder of
their own, where the settings start the embedded engines, so a developer's database is never used.
"""

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from prm.embedded import EmbeddedEngines

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SHELL_LANGUAGES = {"sh", "bash", "shell", "console", "zsh"}
MARK = re.compile(r"<!--\s*readme-test:\s*(?P<kind>[a-z ]+?)\s*(?::\s*(?P<reason>.*?))?\s*-->")
KINDS = {"offline", "needs make run", "production", "not run"}
# what a login shell has; nothing of the test process's configuration
NEW_SHELL_VARIABLES = {"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TMPDIR"}
TOKEN_COMMAND = '.venv/bin/python manage.py api_token maria@openprm.local --name "CRM sync" --expires-days 90'


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence
    kind: str | None
    reason: str
    script: str


def readme_blocks() -> list[Block]:
    lines = README.read_text().splitlines()
    blocks, index = [], 0
    while index < len(lines):
        fence = re.match(r"^(```+|~~~+)\s*(\S*)", lines[index])
        if not fence:
            index += 1
            continue
        end = next(
            (at for at in range(index + 1, len(lines)) if lines[at].startswith(fence.group(1))),
            len(lines),
        )
        if fence.group(2) in SHELL_LANGUAGES:
            above = next((line.strip() for line in reversed(lines[:index]) if line.strip()), "")
            mark = MARK.fullmatch(above)
            blocks.append(
                Block(
                    line=index + 1,
                    kind=mark["kind"] if mark else None,
                    reason=(mark["reason"] or "") if mark else "",
                    script="\n".join(lines[index + 1 : end]),
                )
            )
        index = end + 1
    return blocks


def offline_blocks() -> list[Block]:
    return [block for block in readme_blocks() if block.kind == "offline"]


def test_every_shell_block_says_what_it_needs():
    # when
    blocks = readme_blocks()
    # then
    assert blocks, "no ```sh blocks found in README.md?"
    for block in blocks:
        where = f"README.md line {block.line}"
        assert block.kind is not None, f"{where}: mark the block with <!-- readme-test: offline --> or what it needs"
        assert block.kind in KINDS, f"{where}: unknown mark {block.kind!r}; one of {sorted(KINDS)}"
        assert block.kind == "offline" or block.reason, f"{where}: say why the block is not run here"
    assert any(TOKEN_COMMAND in block.script.splitlines() for block in offline_blocks())


def test_inline_manage_py_commands_run_as_typed():
    # given: inline commands of manage.py (`manage.py seed_demo` alone is no command a shell can run)
    inline = re.findall(r"`([^`\n]*manage\.py \w[^`\n]*)`", README.read_text())
    assert inline, "no inline manage.py command found in README.md?"
    # then: it names the virtualenv's Python, or runs in the production container
    for code in inline:
        assert code.startswith((".venv/bin/python manage.py ", "docker compose ")), code


def _new_shell_env(var: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name in NEW_SHELL_VARIABLES}
    env["PRM_VAR_DIR"] = str(var)  # a fresh checkout's var folder, not the developer's
    return env


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def new_shell():
    """A new shell's environment on a set-up checkout: migrated, with the demo logins, as `make run`
    leaves it, in a var folder of the test's own."""
    dotenv = ROOT / ".env"
    if dotenv.exists() and re.search(r"^\s*(export\s+)?(DATABASE_URL|REDIS_URL)\s*=\s*\S", dotenv.read_text(), re.M):
        pytest.fail(
            ".env names database or broker servers, so the README's commands would use them instead of a fresh "
            "clone's embedded engines; move .env aside to check the README (this test never skips)"
        )
    # Not under pytest's temporary folder: run as root, the embedded PostgreSQL runs as another user,
    # which loses its way in when a pytest session starting meanwhile makes that folder private again.
    checkout = Path(tempfile.mkdtemp(prefix="prm-readme-"))
    var = checkout / "var"
    env = _new_shell_env(var)
    try:
        for command in (["migrate", "--noinput"], ["demo_logins"]):
            result = _run([".venv/bin/python", "manage.py", *command], env)
            assert result.returncode == 0, result.stderr
        yield env
    finally:
        EmbeddedEngines(var).stop()
        shutil.rmtree(checkout, ignore_errors=True)


def _authenticated_email(env: dict[str, str], key: str) -> str:
    """Who GET /api/v1/me/ answers for with the key, through the whole middleware stack."""
    code = (
        "import json, os; from django.test import Client; "
        "response = Client().get('/api/v1/me/', secure=True, "
        "HTTP_AUTHORIZATION='Token ' + os.environ['README_TEST_KEY']); "
        "print(response.status_code, json.loads(response.content).get('email'))"
    )
    result = _run(
        [".venv/bin/python", "manage.py", "shell", "-v", "0", "-c", code],
        {**env, "ALLOWED_HOSTS": "testserver", "README_TEST_KEY": key},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("make_run_running", [False, True], ids=["alone", "beside make run"])
def test_offline_blocks_run_as_typed(new_shell, make_run_running):
    # given: the embedded engines stopped, or running as `make run` leaves them
    engines = EmbeddedEngines(new_shell["PRM_VAR_DIR"])
    if make_run_running:
        engines.ensure_running()
    else:
        engines.stop()
    outputs = {}
    # when: each block as typed, a new shell per block
    for block in offline_blocks():
        result = _run(["sh", "-e", "-c", block.script], new_shell)
        # then
        assert result.returncode == 0, f"README.md line {block.line}:\n{block.script}\n{result.stderr}"
        outputs[block.script] = result.stdout
    # then: the engines are as they were: started and stopped by each command, or borrowed and left running
    assert engines.is_postgres_running() is make_run_running
    assert engines.is_valkey_running() is make_run_running
    # then: the token command printed a key on its last line, and the key authenticates against the API
    token_output = next(output for script, output in outputs.items() if TOKEN_COMMAND in script.splitlines())
    key = token_output.strip().splitlines()[-1]
    assert re.fullmatch(r"[0-9a-f]{64}", key), token_output
    assert _authenticated_email(new_shell, key) == "200 maria@openprm.local"
    assert _authenticated_email(new_shell, "0" * 64).startswith("401 ")
