"""https deliveries go to the checked address and check the certificate against the URL's name."""

import datetime
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from partners.webhooks import sending
from partners.webhooks.models import WebhookAttempt, WebhookDelivery
from partners.webhooks.sending import webhooks_send
from tests.webhooks.conftest import Receiver
from tests.webhooks.factories import SubscriptionFactory
from tests.webhooks.helpers import record

pytestmark = pytest.mark.django_db


def _certificate(tmp_path, name: str):
    """A throwaway CA and a server certificate for ``name``; the client context trusts the CA."""
    now = datetime.datetime.now(datetime.UTC)

    def build(subject, issuer, key, signing_key, *, ca):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = build("Test CA", "Test CA", ca_key, ca_key, ca=True)
    server = build(name, "Test CA", server_key, ca_key, ca=False)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "server.pem").write_bytes(
        server.public_bytes(serialization.Encoding.PEM)
        + server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tmp_path / "server.pem")
    client_context = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
    return server_context, client_context


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch, open_guard, request):
    """An https receiver on 127.0.0.1 whose certificate names ``hooks.test`` (or the param);
    ``hooks.test`` resolves to 127.0.0.1 and the sender trusts the test CA."""
    server_context, client_context = _certificate(tmp_path, getattr(request, "param", "hooks.test"))
    monkeypatch.setattr(sending, "_ssl_context", lambda: client_context)
    monkeypatch.setattr("partners.webhooks.ssrf.system_resolver", lambda host, port: ["127.0.0.1"])
    server = Receiver(tls=server_context)
    yield server
    server.close()


def test_an_https_delivery_names_the_host_in_sni_and_host_and_connects_to_the_checked_address(tls_receiver):
    # given
    SubscriptionFactory(url=f"https://hooks.test:{tls_receiver.port}/in", event_types=["*"])
    # when
    record("partner.created", object_id=1)
    record("partner.created", object_id=2)
    webhooks_send()
    # then
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"succeeded"}
    assert {r.headers["Host"] for r in tls_receiver.received} == {f"hooks.test:{tls_receiver.port}"}
    assert {r.path for r in tls_receiver.received} == {"/in"}


@pytest.mark.parametrize("tls_receiver", ["someone-else.test"], indirect=True)
def test_a_certificate_for_another_name_is_refused(tls_receiver):
    # given: the address answers, but with a certificate for another name
    SubscriptionFactory(url=f"https://hooks.test:{tls_receiver.port}/in", event_types=["*"])
    # when
    record("partner.created", object_id=1)
    webhooks_send()
    # then
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error.startswith("TLS certificate not accepted") and "mismatch" in attempt.error.lower()
    assert not tls_receiver.received
