from prm.celery import app as celery_app


def test_liveness_answers_without_touching_the_database(client):
    # when: no `db` fixture, so any query would raise
    response = client.get("/healthz/")
    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_checks_the_database_the_broker_and_the_cache(client, db):
    # when
    response = client.get("/readyz/")
    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "cache": "ok"}}


def test_readiness_is_503_when_the_broker_is_down(client, db, monkeypatch):
    # given: a broker address where nothing listens
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    # when
    response = client.get("/readyz/")
    # then
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "unavailable", "cache": "ok"}


def test_probes_by_ip_over_plain_http_are_answered(settings, client, db):
    # given: production transport and host settings
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["prm.example.com"]
    # when / then: container probes call by IP, people are redirected or refused
    assert client.get("/healthz/", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/readyz/", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/", HTTP_HOST="10.1.2.3:8000").status_code == 400
    assert client.get("/", HTTP_HOST="prm.example.com").status_code == 301
