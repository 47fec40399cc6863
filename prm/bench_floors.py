"""`make bench`'s hand-written floors: each answers what an API call or export answers, by hand.

Same token look-up (knox's hashed key, checked the same way), same bounded count, same page
query, same fields and ``json.dumps``; no framework in between. Served next to the API by the
same gunicorn only when ``BENCH_FLOOR`` is set; the bench reports each workload's ratio to its floor.
"""

from __future__ import annotations

import csv
import io
import json
from hmac import compare_digest

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS

from partners.views.partner_list import CSV_HEADER
from prm.spreadsheets import csv_safe

EMEA = ["EMEA", "WE", "DACH", "NORDICS", "ME", "AF"]
FILTER = "p.facets @> %s::varchar(64)[] AND p.facets && %s::varchar(64)[]"
FILTER_PARAMS = [["type:channel", "healthcare"], EMEA]
COLUMNS = """p.id, p.name, p.legal_name, p.slug, p.external_id, p.website, p.description, p.type, p.status,
       p.engagement, p.country, p.regions, p.verticals, p.owner_id, u.first_name, u.last_name, u.email,
       p.health_score, p.created_at, p.updated_at"""
PAGE_SQL = f"""SELECT {COLUMNS} FROM partners_partner p LEFT JOIN auth_user u ON u.id = p.owner_id
WHERE {FILTER} ORDER BY p.name, p.id LIMIT 50"""  # noqa: S608 (constants only)
COUNT_SQL = f"SELECT count(*) FROM (SELECT 1 FROM partners_partner p WHERE {FILTER} LIMIT %s) counted"  # noqa: S608
WALK_SQL = f"""SELECT {COLUMNS} FROM partners_partner p LEFT JOIN auth_user u ON u.id = p.owner_id
WHERE p.id > %s ORDER BY p.id LIMIT 201"""  # noqa: S608
KEY_LOOKUP_SQL = """SELECT t.digest, t.expiry, u.is_active FROM partners_apitoken t JOIN auth_user u ON u.id = t.user_id
WHERE t.token_key = %s"""
CSV_SQL = """SELECT p.id, p.name, p.legal_name, p.slug, p.website, p.type, p.status, p.engagement, p.country,
       p.regions, p.verticals, u.email, p.created_at, p.updated_at
FROM partners_partner p LEFT JOIN auth_user u ON u.id = p.owner_id ORDER BY p.name, p.id"""


def _authenticated(request: HttpRequest) -> bool:
    """The API's token check by hand: the key's row and user in one query, the digest compared."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) != 2 or parts[0].lower() not in ("token", "bearer"):
        return False
    key = parts[1]
    with connection.cursor() as cursor:
        cursor.execute(KEY_LOOKUP_SQL, [key[: CONSTANTS.TOKEN_KEY_LENGTH]])
        for digest, expiry, is_active in cursor.fetchall():
            if (expiry is None or expiry > timezone.now()) and is_active and compare_digest(hash_token(key), digest):
                return True
    return False


def _iso(value) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _representation(row: tuple) -> dict:
    (pk, name, legal_name, slug, external_id, website, description, type_, status, engagement, country, regions,
     verticals, owner_id, first_name, last_name, email, health_score, created_at, updated_at) = row  # fmt: skip
    owner_name = (f"{first_name} {last_name}".strip() or email) if owner_id is not None else None
    return {
        "id": pk, "name": name, "legal_name": legal_name, "slug": slug, "external_id": external_id,
        "website": website, "description": description, "type": type_, "status": status, "engagement": engagement,
        "country": country, "regions": regions, "verticals": verticals, "owner": owner_id, "owner_name": owner_name,
        "health_score": health_score, "created_at": _iso(created_at), "updated_at": _iso(updated_at),
    }  # fmt: skip


def _refused() -> JsonResponse:
    return JsonResponse({"code": "not_authenticated"}, status=401)


def floor_partners(request: HttpRequest) -> HttpResponse:
    """GET /api/v1/partners/?type=channel&region=EMEA&vertical=healthcare&page_size=50, by hand."""
    if not _authenticated(request):
        return _refused()
    reach = max(settings.LIST_COUNT_CAP, 50)  # the count reaches at least the end of the page
    with connection.cursor() as cursor:
        cursor.execute(COUNT_SQL, [*FILTER_PARAMS, reach + 1])
        counted = cursor.fetchone()[0]
        cursor.execute(PAGE_SQL, FILTER_PARAMS)
        rows = [_representation(row) for row in cursor.fetchall()]
    body = {
        "count": min(counted, reach),
        "count_exact": counted <= reach,
        "next": request.build_absolute_uri("?page=2") if counted > 50 else None,
        "previous": None,
        "results": rows,
    }
    return HttpResponse(json.dumps(body), content_type="application/json")


def floor_partners_walk(request: HttpRequest) -> HttpResponse:
    """A cursor walk over every partner, 200 per page, by hand: ``?after=<id>`` instead of a signed cursor."""
    if not _authenticated(request):
        return _refused()
    after = int(request.GET.get("after", 0))
    with connection.cursor() as cursor:
        cursor.execute(WALK_SQL, [after])
        rows = cursor.fetchall()
    results = [_representation(row) for row in rows[:200]]
    more = len(rows) > 200
    body = {
        "count": None,
        "count_exact": False,
        "next": request.build_absolute_uri(f"?after={results[-1]['id']}") if more else None,
        "previous": None,
        "results": results,
    }
    return HttpResponse(json.dumps(body), content_type="application/json")


def _csv_rows():
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_HEADER)
    with connection.chunked_cursor() as cursor:  # a server-side cursor, 2,000 rows per fetch
        cursor.execute(CSV_SQL)
        while rows := cursor.fetchmany(2000):
            for pk, *text, regions, verticals, email, created_at, updated_at in rows:
                writer.writerow(
                    [pk, *map(csv_safe, text), ";".join(regions), ";".join(verticals), csv_safe(email or ""),
                     created_at.isoformat(), updated_at.isoformat()]
                )  # fmt: skip
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()


def floor_partners_csv(request: HttpRequest) -> HttpResponse:
    """Every partner as the export's CSV, by hand: one server-side cursor and csv.writer."""
    if not _authenticated(request):
        return _refused()
    return StreamingHttpResponse(_csv_rows(), content_type="text/csv; charset=utf-8")
