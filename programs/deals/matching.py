"""How deal registrations are compared: the customer's domain and company name in a normal form,
and the evidence two registrations share.

Pure functions, no database: registrations store these keys (indexed), so the conflict check is an
index lookup, and every decision can say which fields matched and why.

- A domain is reduced to the name its owner registered: the scheme, path, port, an e-mail's
  local part, "www." and every other subdomain go (``https://eu.sales.acme.co.uk/x`` and
  ``jane@acme.co.uk`` are ``acme.co.uk``), by the public suffix list; an internationalised name is
  kept in its ASCII (punycode) form, so ``müller.de`` and ``xn--mller-kva.de`` are one customer.
- A company name loses case, accents, punctuation, a leading "The" and its legal form ("Inc",
  "GmbH", "Ltd", "S.A.", "GmbH & Co. KG" …), so "ACME, Inc." and "Acme GmbH" are one customer.
  Nothing fuzzier: "Acme Labs", "Acne" and "Acme Bank" are other companies.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import idna
from publicsuffixlist import PublicSuffixList

LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

# legal forms, as words once case, accents and punctuation are gone; the longest first, so
# "gmbh co kg" goes whole before "kg" is tried
LEGAL_FORMS = sorted(
    {
        "inc", "incorporated", "corp", "corporation", "co", "company", "llc", "llp", "lp", "ltd", "limited",
        "plc", "pllc", "gmbh", "gmbh co kg", "ag", "ag co kg", "kg", "kgaa", "ohg", "ug", "ev", "se", "sa", "sas",
        "sarl", "sas u", "sasu", "srl", "spa", "sl", "slu", "bv", "nv", "vof", "oy", "oyj", "ab", "as", "asa",
        "aps", "a s", "pty", "pty ltd", "pte", "pte ltd", "kk", "bhd", "sdn bhd", "pvt", "pvt ltd",
        "private limited", "sp z o o", "s a", "s l", "s r l", "s p a", "b v", "n v", "l l c",
    },
    key=lambda form: -len(form),
)  # fmt: skip


class InvalidDomain(ValueError):
    """Not a domain a customer could own: the message says why."""


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list shipped with the package: no download at run time


def customer_domain(value: str) -> str:
    """The registrable domain of a URL, host or e-mail address, lower case and in ASCII.

    Raises InvalidDomain for an empty value, an IP address, a single label ("localhost"), a bare
    public suffix ("co.uk") or characters no host name may hold.
    """
    host = (value or "").strip().lower()
    if "@" in host:
        host = host.rsplit("@", 1)[1]
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", host)
    host = re.split(r"[/?#]", host, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    if not host:
        raise InvalidDomain("Give the customer's domain, such as acme.com.")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise InvalidDomain("An IP address is not a customer's domain; give its name, such as acme.com.")
    try:
        host = idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidDomain(f"“{value.strip()}” is not a domain name.") from exc
    labels = host.split(".")
    if len(labels) < 2 or not all(LABEL.match(label) for label in labels):
        raise InvalidDomain(f"“{value.strip()}” is not a domain name, such as acme.com.")
    registrable = _suffixes().privatesuffix(host)
    if registrable is None:
        raise InvalidDomain(f"“{host}” is a public suffix, not a customer's domain.")
    return registrable


def company_key(name: str) -> str:
    """A company name without case, accents, punctuation, a leading "The" or legal forms at its end
    (a name that is nothing but a legal form, "Inc.", keeps it)."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    text = text.replace("&", " and ").replace("ß", "ss")
    text = re.sub(r"[^\w\s]|_", " ", text)
    words = text.split()
    if words[:1] == ["the"] and len(words) > 1:
        words = words[1:]
    while len(words) > 1:
        form = next(
            (f.split() for f in LEGAL_FORMS if len(words) > len(f.split()) and words[-len(f.split()) :] == f.split()),
            None,
        )
        if form is not None:
            words = words[: -len(form)]
        elif words[-1] == "and":  # what "Acme GmbH & Co. KG" leaves after "co kg"
            words = words[:-1]
        else:
            break
    return " ".join(words)


def product_keys(products: Iterable[str]) -> frozenset[str]:
    """Product names compared without case or surrounding spaces."""
    return frozenset(product.strip().casefold() for product in products if product and product.strip())


@dataclass(frozen=True)
class Evidence:
    """What two registrations share: the fields that matched and the products both name."""

    domain: bool
    company: bool
    products: frozenset[str]

    @property
    def fields(self) -> list[str]:
        return [name for name in ("domain", "company") if getattr(self, name)] + (["products"] if self.products else [])


def evidence(
    *,
    domain: str,
    company: str,
    products: frozenset[str],
    other_domain: str,
    other_company: str,
    other_products: frozenset[str],
) -> Evidence | None:
    """The evidence that two registrations (in normal form) are for one customer and overlap, or
    None: the same domain or the same company key, and a product in common unless either names no
    product (a registration for "everything" overlaps any)."""
    same_domain = bool(domain) and domain == other_domain
    same_company = bool(company) and company == other_company
    if not (same_domain or same_company):
        return None
    common = products & other_products
    if products and other_products and not common:
        return None
    return Evidence(domain=same_domain, company=same_company, products=frozenset(common))
