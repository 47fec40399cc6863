from prm.celery import app as celery_app


def test_liveness_answers_without_touching_the_database(client):
    # when: no `db` fixture, so any query would raise
    response = client.get("/healthz/")
    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_checks_the_database_and_the_broker(client, db):
    # when
    response = client.get("/readyz/")
    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_readiness_is_503_when_the_broker_is_down(client, db, monkeypatch):
    # given: a broker address where nothing listens
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    # when
    response = client.get("/readyz/")
    # then
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "unavailable"}


def test_health_endpoints_are_not_redirected_to_https(settings, client, db):
    # given
    settings.SECURE_SSL_REDIRECT = True
    # when / then
    assert client.get("/healthz/").status_code == 200
    assert client.get("/").status_code == 301
