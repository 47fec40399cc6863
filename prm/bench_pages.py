"""How fast the manager pages that grow with the registry answer, measured in-process.

``measure_pages`` runs inside a set-up Django process pointed at a seeded database (``prm.bench``
calls it after its strategy run; ``python -m prm.bench_pages`` runs it alone with the environment's
settings). It logs in with the Django test client, as a browser would be after log-in, and times
each page to its complete body: the view, its queries and the template, without the network and
the web server. Each page is requested twice to warm caches first, then once with its queries
counted, then ``repeat`` times timed (the median is reported, so one slow request does not count).

The staff second-factor check is turned off for the measurement (a real browser's session passes
it once, then the session remembers it), and the requests are made as HTTPS so that a production
setting of SECURE_SSL_REDIRECT does not answer every page with a redirect.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass

FILTERS = "type=channel&region=EMEA&vertical=healthcare"


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    as_assignee: bool = False  # requested by the staff user with the most open outcomes ("mine")


def _pages(partner_id: int) -> list[Page]:
    return [
        Page("partner_list", "/partners/"),
        Page("partner_list_filtered", f"/partners/?{FILTERS}"),
        Page("partner_list_search", "/partners/?search=helix"),
        Page("dashboard", "/"),
        Page("inbox_mine", "/inbox/", as_assignee=True),
        Page("inbox_everyone", "/inbox/?everyone=on"),
        Page("partner_page", f"/partners/{partner_id}/"),
        Page("strategies", "/strategies/"),
        Page("csv_export", f"/partners/export.csv?{FILTERS}"),
    ]


def _client(user):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def _body(client, url: str) -> bytes:
    """The complete body of a GET (a streamed one read to its end); anything but a 200 is an error."""
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"bench_pages: {url} answered {response.status_code}, not 200")
    return b"".join(response.streaming_content) if response.streaming else response.content


def _users():
    """A staff superuser for every page, and for "mine" the staff user with the most open outcomes."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from programs.strategies.models import Outcome

    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    admin = users.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        raise RuntimeError("bench_pages: no active staff superuser (run `manage.py demo_logins`)")
    busiest = (
        Outcome.objects.filter(state=Outcome.State.OPEN, assignee__in=users)
        .values("assignee")
        .annotate(open=Count("*"))
        .order_by("-open", "assignee")
        .first()
    )
    assignee = users.get(pk=busiest["assignee"]) if busiest else admin
    return admin, assignee


def _partner_id() -> int:
    """A partner with open outcomes (so its page shows them), else the first partner."""
    from partners.models import Partner
    from programs.strategies.models import Outcome

    partner_id = (
        Outcome.objects.filter(state=Outcome.State.OPEN).order_by("partner_id").values_list("partner_id", flat=True)
    ).first() or Partner.objects.order_by("pk").values_list("pk", flat=True).first()
    if partner_id is None:
        raise RuntimeError("bench_pages: the database has no partners (run `manage.py seed_demo`)")
    return partner_id


def _measure(client, url: str, repeat: int) -> tuple[float, int, bytes]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        _body(client, url)
    with CaptureQueriesContext(connection) as captured:
        body = _body(client, url)
    queries = len(captured)  # now: the next request's start empties the connection's query log
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        _body(client, url)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), queries, body


def measure_pages(repeat: int = 20) -> dict[str, tuple[float, int]]:
    """Page name → (median milliseconds over ``repeat`` requests, queries of one request)."""
    from django.test import override_settings

    admin, assignee = _users()
    with override_settings(MFA_REQUIRED_FOR_STAFF=False):
        clients = {False: _client(admin), True: _client(assignee)}
        results = {}
        for page in _pages(_partner_id()):
            median, queries, _ = _measure(clients[page.as_assignee], page.url, repeat)
            results[page.name] = (median, queries)
    return results


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings")
    django.setup()
    results = measure_pages()
    figures = " ".join(f"{name}_ms={median:.1f}" for name, (median, _) in results.items())
    print(f"BENCH pages {figures}")
    counts = ", ".join(f"{name} {queries}" for name, (_, queries) in results.items())
    print(f"pages: queries per request: {counts} (the whole list as CSV is BENCH partners_csv)")


if __name__ == "__main__":
    main()
