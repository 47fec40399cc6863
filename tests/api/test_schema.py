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


def test_the_schema_documents_count_exact_and_the_cursor_on_the_lists_that_walk(client, db):
    # when
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    # then: every paginated list says whether its count is exact
    pages = {name: body for name, body in schema["components"]["schemas"].items() if name.startswith("Paginated")}
    assert pages and all("count_exact" in body["properties"] for body in pages.values())

    # and the lists that grow large take ?cursor=, the others do not
    def parameters(path):
        return {parameter["name"] for parameter in schema["paths"][path]["get"].get("parameters", [])}

    for path in ("/api/v1/partners/", "/api/v1/contacts/", "/api/v1/outcomes/", "/api/v1/metrics/",
                 "/api/v1/partners/{id}/timeline/"):  # fmt: skip
        assert "cursor" in parameters(path), path
    assert "cursor" not in parameters("/api/v1/tokens/")
