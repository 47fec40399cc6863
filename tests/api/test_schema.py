import re

from django.core.management import call_command


def test_schema_generation_is_valid_without_warnings(tmp_path):
    # when: the same check as `manage.py spectacular --validate --fail-on-warn`
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    # then
    text = out.read_text()
    assert "openapi: 3" in text
    assert "/api/v1/me/" in text
    assert "tokenAuth" in text


def test_schema_is_served(client, db):
    # when
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    # then
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "OpenPRM API"


def test_swagger_ui_is_served_from_local_static_files(client, db):
    # when
    response = client.get("/api/docs/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    # every script, style and image comes from this site (a CSRF token may contain any letters)
    addresses = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert addresses
    assert [address for address in addresses if not address.startswith("/")] == []
    assert not re.search(r"https?://", html)
    assert client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200
