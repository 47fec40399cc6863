"""Demo applications (``manage.py seed_demo_applications``): a queue a manager can try vetting
right after ``make run``, sent through the same service as the public page, so each has its
prospect partner, events and duplicate flags.

Most wait for a decision; one is assigned to a manager, one was rejected, and two are flagged:
a company that applied twice, and one whose domain an existing demo partner has.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from django.utils import timezone

from partners.models import Partner
from programs.applications.models import PartnerApplication
from programs.applications.selectors import vetters
from programs.applications.services import application_assign, application_reject, application_submit

APPLICANTS = [
    # company, website, country, type, verticals, regions, contact, days ago
    ("Nordlicht Digital AB", "https://nordlicht-digital.example", "SE", "channel", ["healthcare"], ["NORDICS"],
     "Elin Berg", 9),
    ("Sierra Cloud Services", "https://www.sierra-cloud.example", "US", "technology", ["technology"], ["NA"],
     "Marcus Hill", 7),
    ("Kanto Systems KK", "https://kanto-systems.example", "JP", "sales", ["manufacturing"], ["JP"],
     "Haruki Sato", 6),
    ("Sierra Cloud EMEA", "https://eu.sierra-cloud.example", "IE", "technology", ["technology"], ["WE"],
     "Aoife Byrne", 4),
    ("Pampas Retail Partners", "https://pampas-retail.example", "AR", "channel", ["retail"], ["LATAM"],
     "Lucía Gómez", 3),
    ("Outback Support Co", "https://outback-support.example", "AU", "support", ["public-sector"], ["ANZ"],
     "Jack Turner", 2),
    ("Ganges Finance Advisors", "https://ganges-finance.example", "IN", "financial", ["financial-services"], ["IN"],
     "Priya Nair", 1),
]  # fmt: skip


def _ascii(name: str) -> str:
    """A name in ASCII letters ("Lucía" → "Lucia"), for a demo address."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def demo_applications_seed(*, if_empty: bool = False) -> int:
    """Send the demo applications (and one more from the domain of an existing demo partner);
    with ``if_empty``, nothing when any application exists. Returns how many were sent."""
    if if_empty and PartnerApplication.objects.exists():
        return 0
    now = timezone.now()
    sent = []
    for company, website, country, kind, verticals, regions, contact, days in APPLICANTS:
        host = website.split("//", 1)[1].removeprefix("www.")
        application = application_submit(
            company=company,
            website=website,
            country=country,
            requested_type=kind,
            verticals=verticals,
            regions=regions,
            contact_name=contact,
            contact_email=f"{_ascii(contact.split()[0]).lower()}@{host}",
            message=f"{company} would like to partner with you in {', '.join(regions)}.",
            now=now - timedelta(days=days),
        )
        sent.append(application)
    existing = Partner.objects.exclude(website="").filter(applications__isnull=True).order_by("pk").first()
    if existing is not None:
        sent.append(
            application_submit(
                company=f"{existing.name} (new division)", website=existing.website, country=str(existing.country),
                requested_type=existing.type, verticals=existing.verticals, regions=existing.regions or ["GLOBAL"],
                contact_name="Sam Carter", contact_email="sam.carter@example.com", now=now - timedelta(hours=5),
            )
        )  # fmt: skip
    manager = vetters().filter(is_superuser=False).first() or vetters().first()
    if manager is not None:
        application_assign(application_id=sent[1].pk, actor=manager, vetter=manager)
        application_reject(
            application_id=sent[2].pk,
            actor=manager,
            reason="We do not add sales partners in Japan this year; we would be glad to hear from you next year.",
        )
    return len(sent)
