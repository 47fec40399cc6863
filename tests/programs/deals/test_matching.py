"""The normal forms deal registrations are compared in, table by table."""

import pytest

from programs.deals.matching import InvalidDomain, company_key, customer_domain, evidence, product_keys


@pytest.mark.parametrize(
    ("value", "domain"),
    [
        ("acme.com", "acme.com"),
        ("ACME.COM", "acme.com"),
        ("www.acme.com", "acme.com"),
        ("https://www.acme.com/about?x=1#top", "acme.com"),
        ("http://eu.sales.acme.com:8080/", "acme.com"),
        ("jane.doe@mail.acme.com", "acme.com"),
        ("eu.sales.acme.co.uk", "acme.co.uk"),
        ("acme.co.uk", "acme.co.uk"),
        ("shop.acme.com.au", "acme.com.au"),
        ("acme.com.", "acme.com"),
        ("müller.de", "xn--mller-kva.de"),
        ("www.MÜLLER.de", "xn--mller-kva.de"),
        ("xn--mller-kva.de", "xn--mller-kva.de"),
        ("https://user:secret@portal.acme.io/login", "acme.io"),
        ("acme.github.io", "acme.github.io"),  # a private suffix: each site is its own customer
    ],
)
def test_a_customer_domain_is_the_registrable_name_in_ascii(value, domain):
    assert customer_domain(value) == domain


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("", "Give the customer's domain"),
        ("   ", "Give the customer's domain"),
        ("localhost", "not a domain name"),
        ("acme", "not a domain name"),
        ("192.168.1.10", "IP address"),
        ("http://[2001:db8::1]/", "not a domain name"),
        ("co.uk", "public suffix"),
        ("com", "not a domain name"),
        ("acme..com", "not a domain name"),
        ("-acme.com", "not a domain name"),
        ("acme_corp.com", "not a domain name"),
        ("acme com", "not a domain name"),
    ],
)
def test_what_is_not_a_customer_domain_is_refused_with_a_reason(value, says):
    with pytest.raises(InvalidDomain, match=says):
        customer_domain(value)


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (["Acme", "ACME", "Acme Inc", "ACME, Inc.", "Acme Incorporated", "Acme Corp.", "Acme Corporation"], "acme"),
        (["Acme GmbH", "Acme AG", "Acme GmbH & Co. KG", "Acme Ltd", "Acme Limited", "Acme PLC"], "acme"),
        (["Acme S.A.", "Acme SAS", "Acme S.r.l.", "Acme B.V.", "Acme Pty Ltd", "Acme LLC", "Acme Co."], "acme"),
        (["The Acme Company", "the acme co"], "acme"),
        (["Société Générale", "Societe Generale S.A.", "SOCIÉTÉ GÉNÉRALE"], "societe generale"),
        (["Smith & Sons Ltd", "Smith and Sons Limited"], "smith and sons"),
        (["Nordwind-Capital AB", "Nordwind Capital"], "nordwind capital"),
    ],
)
def test_spellings_of_one_company_share_a_key(names, key):
    assert {company_key(name) for name in names} == {key}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Acme Inc", "Acme Labs Inc"),  # another company with the same first word
        ("Acme", "Acne"),  # one letter apart
        ("Meta", "Metal"),
        ("Apple", "Apple Bank"),
        ("Acme Holding GmbH", "Acme GmbH"),
        ("Müller AG", "Möller AG"),
        ("Inc.", "Ltd."),  # nothing but legal forms: kept, and different
    ],
)
def test_look_alike_names_do_not_match(one, other):
    assert company_key(one) != company_key(other)


def _evidence(domain="acme.com", company="acme", products=(), other_domain="", other_company="", other_products=()):
    return evidence(
        domain=domain,
        company=company,
        products=product_keys(products),
        other_domain=other_domain,
        other_company=other_company,
        other_products=product_keys(other_products),
    )


def test_evidence_names_the_fields_that_matched_and_the_products_in_common():
    # the same domain, another name, a product in common
    found = _evidence(products=["Cloud", "Edge"], other_domain="acme.com", other_company="acme holdings",
                      other_products=[" cloud ", "Mobile"])  # fmt: skip
    assert found is not None
    assert (found.domain, found.company, found.products) == (True, False, frozenset({"cloud"}))
    assert found.fields == ["domain", "products"]
    # the same name, another domain, products on one side only: any product overlaps "everything"
    found = _evidence(products=["Cloud"], other_domain="acme.de", other_company="acme")
    assert found is not None and found.fields == ["company"]


def test_no_evidence_without_a_shared_customer_or_with_disjoint_products():
    assert _evidence(other_domain="acme.de", other_company="acme labs") is None
    assert _evidence(products=["Cloud"], other_domain="acme.com", other_products=["Mobile"]) is None
    assert _evidence(domain="", company="", other_domain="", other_company="") is None  # empty keys never match
