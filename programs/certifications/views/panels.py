"""The partner page's certification panel, registered with partners.panels by programs' AppConfig
(partners never imports programs)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from programs.certifications.selectors import partner_coverage


def partner_certification_panel(*, user, partner) -> dict:
    """Certified contacts per vertical of ``partner`` (with those waiting and expiring), each a
    link to its certifications; nothing for a login that is not staff. One query."""
    if not user.is_staff:
        return {}
    base = reverse("certification-list")
    rows = [
        {
            "coverage": entry,
            "url": f"{base}?{urlencode({'partner': partner.pk, 'vertical': entry.vertical})}",
        }
        for entry in partner_coverage(user=user, partner_id=partner.pk)
    ]
    return {
        "partner_certifications": {
            "template": "certifications/portal/_partner_panel.html",
            "rows": rows,
            "all_url": f"{base}?{urlencode({'partner': partner.pk})}",
            "own_verticals": list(partner.verticals or []),
        }
    }
