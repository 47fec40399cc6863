"""The address guard: a webhook URL may only reach the public internet (no server-side request
forgery), checked when a subscription is saved and again before every delivery.

``url_check`` resolves the host once and refuses the URL if ANY address is not public
(loopback, private, link-local, multicast, reserved, unspecified, shared 100.64/10, cloud
metadata, or an IPv6 address embedding one: IPv4-mapped or -compatible, 6to4, Teredo, NAT64).
Hosts written as numbers in forms only some resolvers read (``2130706433``, ``0x7f.1``,
``0177.0.0.1``, ``127.1``) are refused outright. The caller then connects to the checked
address itself (``Target.ip``) with the host name in ``Host`` and TLS, so a second DNS answer
(rebinding) cannot swap in another address. Settings: WEBHOOK_ALLOW_HTTP,
WEBHOOK_ALLOW_PRIVATE_TARGETS (both follow DEBUG by default); metadata addresses are refused
even when private targets are allowed.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

Resolver = Callable[[str, int], list[str]]

METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# a label of digits or 0x-hex: with only such labels a host is a number, not a name
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class UrlRefused(Exception):
    """The URL may not be used; ``message`` says why, for the admin who typed it."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Target:
    """A checked URL: connect to ``ip``:``port`` and speak to ``host`` (Host header, TLS name)."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    ip: str
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (the edge the tests replace)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for *_, sockaddr in infos:
        address = sockaddr[0].split("%", 1)[0]
        if address not in seen:
            seen.append(address)
    return seen


def address_problem(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_private: bool = False
) -> str | None:
    """What is wrong with connecting to ``address`` ("a private address"), or None when it is a
    public one. IPv6 forms that carry an IPv4 address are judged by that address."""
    if address in METADATA_ADDRESSES:
        return "the cloud metadata address"
    if isinstance(address, ipaddress.IPv6Address):
        for embedded in _embedded_ipv4(address):
            problem = address_problem(embedded, allow_private=allow_private)
            if problem:
                return f"{problem} (embedded {embedded})"
        if _embedded_ipv4(address):
            return None
    if allow_private:
        return None
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in SHARED_ADDRESS_SPACE:
        return "a shared (carrier-grade NAT) address"
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a non-public address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo server and client,
    NAT64, IPv4-compatible): a packet to it may end up at them."""
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    if address in NAT64:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    packed = int(address)
    if packed >> 32 == 0 and packed > 1:  # IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks)
        return [ipaddress.IPv4Address(packed)]
    return []


def _numeric_host(host: str) -> bool:
    labels = host.rstrip(".").split(".")
    return all(_NUMERIC_LABEL.match(label) for label in labels)


def url_check(
    url: str,
    *,
    resolver: Resolver | None = None,
    allow_http: bool | None = None,
    allow_private: bool | None = None,
) -> Target:
    """Check ``url`` and resolve its host; the Target to connect to, or UrlRefused with the reason.

    Refused: a scheme other than https (http too when WEBHOOK_ALLOW_HTTP), credentials in the
    URL, a missing or malformed host, a host written as a non-canonical number, a name that does
    not resolve, and any host with at least one address that is not public (unless
    WEBHOOK_ALLOW_PRIVATE_TARGETS; metadata addresses always).
    """
    allow_http = settings.WEBHOOK_ALLOW_HTTP if allow_http is None else allow_http
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS if allow_private is None else allow_private
    resolver = resolver or system_resolver
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"is not a valid URL ({exc}).") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise UrlRefused("must start with https://.")
    if scheme == "http" and not allow_http:
        raise UrlRefused("must use https:// (plain http is allowed only in development).")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("must not contain a user name or password.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UrlRefused("has no host.")
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    literal = _literal(host)
    if literal is None and _numeric_host(host):
        raise UrlRefused(f"writes its address as a number in a non-standard form ({host}); use a host name.")
    if literal is not None:
        addresses = [host]  # as written, so the message names what the admin typed
        how = "is"
    else:
        try:
            addresses = resolver(host.encode("idna").decode("ascii"), port)
        except (OSError, UnicodeError) as exc:
            raise UrlRefused(f"has a host that cannot be resolved ({host}: {exc}).") from None
        if not addresses:
            raise UrlRefused(f"has a host that cannot be resolved ({host}).")
        how = "resolves to"
    for text in addresses:
        problem = address_problem(ipaddress.ip_address(text), allow_private=allow_private)
        if problem:
            raise UrlRefused(f"{how} {problem} ({text}).")
    return Target(scheme=scheme, host=host, port=port, path=path, ip=addresses[0], addresses=tuple(addresses))


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address written in its canonical form (dotted quad, or IPv6 in brackets), else None."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv4Address) and str(address) != host:
        return None  # leading zeros: octal to some resolvers, decimal to others
    return address
