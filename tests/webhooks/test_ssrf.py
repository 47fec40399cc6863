"""The address guard against a table of addresses, and a redirect that is not followed."""

import pytest

from partners.webhooks.models import WebhookAttempt, WebhookDelivery
from partners.webhooks.sending import REDIRECT_ERROR, webhooks_send
from partners.webhooks.ssrf import UrlRefused, url_check
from tests.webhooks.conftest import Reply
from tests.webhooks.factories import SubscriptionFactory
from tests.webhooks.helpers import record


def resolving_to(*addresses):
    """A fake resolver: every name resolves to ``addresses`` (getaddrinfo is the edge)."""
    return lambda host, port: list(addresses)


REFUSED_ADDRESSES = [
    ("127.0.0.1", "a loopback address"),
    ("127.8.9.10", "a loopback address"),
    ("10.0.0.5", "a private address"),
    ("172.16.3.4", "a private address"),
    ("192.168.1.1", "a private address"),
    ("169.254.10.10", "a link-local address"),
    ("169.254.169.254", "the cloud metadata address"),
    ("100.64.0.1", "a shared (carrier-grade NAT) address"),
    ("0.0.0.0", "an unspecified address"),  # noqa: S104 (an address the guard refuses)
    ("224.0.0.1", "a multicast address"),
    ("240.0.0.1", "a private address"),  # reserved, which Python also counts as private
    ("198.18.0.1", "a private address"),  # benchmarking
    ("::1", "a loopback address"),
    ("::", "an unspecified address"),
    ("fe80::1", "a link-local address"),
    ("fc00::1", "a private address"),
    ("fd00:ec2::254", "the cloud metadata address"),
    ("ff02::1", "a multicast address"),
    ("::ffff:127.0.0.1", "a loopback address (embedded 127.0.0.1)"),
    ("::ffff:10.1.2.3", "a private address (embedded 10.1.2.3)"),
    ("::ffff:169.254.169.254", "the cloud metadata address (embedded 169.254.169.254)"),
    ("::127.0.0.1", "a loopback address (embedded 127.0.0.1)"),
    ("2002:7f00:1::", "a loopback address (embedded 127.0.0.1)"),  # 6to4
    ("2002:a00:1::", "a private address (embedded 10.0.0.1)"),
    ("64:ff9b::a00:1", "a private address (embedded 10.0.0.1)"),  # NAT64
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "a loopback address (embedded 127.0.0.1)"),  # Teredo client 127.0.0.1
]


@pytest.mark.parametrize(("address", "reason"), REFUSED_ADDRESSES)
def test_a_host_resolving_to_a_forbidden_address_is_refused(address, reason):
    # given / when
    with pytest.raises(UrlRefused) as refused:
        url_check("https://hooks.example.com/x", resolver=resolving_to(address), allow_private=False)
    # then
    assert refused.value.message == f"resolves to {reason} ({address})."


@pytest.mark.parametrize(("address", "reason"), REFUSED_ADDRESSES)
def test_a_forbidden_address_written_as_the_host_is_refused(address, reason):
    # given
    host = f"[{address}]" if ":" in address else address
    # when
    with pytest.raises(UrlRefused) as refused:
        url_check(f"https://{host}:8443/x", resolver=resolving_to(), allow_private=False)
    # then
    assert refused.value.message == f"is {reason} ({address})."


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f000001", "0x7f.1", "0177.0.0.1", "0177.1", "127.1", "127.0.1", "017700000001", "10.1"],
)
def test_a_host_written_as_a_number_in_another_form_is_refused(host):
    # given / when: resolvers read these as 127.0.0.1 or 10.0.0.1; the guard does not guess
    with pytest.raises(UrlRefused) as refused:
        url_check(f"https://{host}/x", resolver=resolving_to("93.184.216.34"), allow_private=False)
    # then
    assert "non-standard form" in refused.value.message


def test_any_forbidden_address_among_several_refuses_the_host():
    # given: a name with a public and a private address (a rebinding setup)
    resolver = resolving_to("93.184.216.34", "10.0.0.5")
    # when / then
    with pytest.raises(UrlRefused, match=r"resolves to a private address \(10\.0\.0\.5\)\."):
        url_check("https://hooks.example.com/x", resolver=resolver, allow_private=False)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34"])
def test_a_public_address_is_allowed_and_pinned(address):
    # given / when
    target = url_check("https://hooks.example.com:8443/in?x=1", resolver=resolving_to(address), allow_private=False)
    # then
    assert (target.ip, target.host, target.port, target.path) == (address, "hooks.example.com", 8443, "/in?x=1")
    assert target.host_header == "hooks.example.com:8443"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "must use https:// (plain http is allowed only in development)."),
        ("ftp://hooks.example.com/x", "must start with https://."),
        ("https://user:pw@hooks.example.com/x", "must not contain a user name or password."),
        ("https:///x", "has no host."),
    ],
)
def test_urls_of_the_wrong_shape_are_refused(url, message):
    # given / when
    with pytest.raises(UrlRefused) as refused:
        url_check(url, resolver=resolving_to("93.184.216.34"), allow_http=False, allow_private=False)
    # then
    assert refused.value.message == message


def test_private_targets_are_allowed_by_the_setting_but_never_the_metadata_address():
    # given / when
    target = url_check(
        "http://localhost:8000/x", resolver=resolving_to("127.0.0.1"), allow_http=True, allow_private=True
    )
    # then
    assert target.ip == "127.0.0.1"
    with pytest.raises(UrlRefused, match="metadata"):
        url_check("http://169.254.169.254/latest", resolver=resolving_to(), allow_http=True, allow_private=True)


def test_the_settings_default_to_refusing(settings):
    # given
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    # when / then
    with pytest.raises(UrlRefused, match="https"):
        url_check("http://hooks.example.com/x", resolver=resolving_to("93.184.216.34"))
    with pytest.raises(UrlRefused, match="loopback"):
        url_check("https://localhost/x", resolver=resolving_to("127.0.0.1"))


@pytest.mark.django_db
def test_the_guard_runs_again_at_delivery_time(receiver, open_guard, monkeypatch):
    # given: a subscription saved while its name resolved to a public address now resolves to a
    # private one (DNS rebinding), and private targets are not allowed
    open_guard.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    SubscriptionFactory(url="http://rebind.example.com/hook", event_types=["*"])
    monkeypatch.setattr("partners.webhooks.ssrf.system_resolver", resolving_to("10.0.0.5"))
    # when
    record("partner.created", object_id=1)
    webhooks_send()
    # then: no request left; the attempt says why
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error == "The URL resolves to a private address (10.0.0.5)."
    assert WebhookDelivery.objects.get().state == "pending"


@pytest.mark.django_db
def test_a_redirect_to_a_private_address_is_a_failure_and_not_followed(receiver, open_guard):
    # given: the receiver answers 302 to the metadata address
    receiver.reply = Reply(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}, body=b"")
    SubscriptionFactory(url=receiver.url, event_types=["*"])
    # when
    record("partner.created", object_id=1)
    webhooks_send()
    # then
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error) == (302, REDIRECT_ERROR)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("pending", 1, REDIRECT_ERROR)
    assert len(receiver.received) == 1
