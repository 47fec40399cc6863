"""The list filters of the partners app's API resources, declared once (the partner list's own
filters are the form its pages share: partners.forms.PartnerFilterForm)."""

import django_filters

from prm.filters import IdListFilter


class ContactFilterSet(django_filters.FilterSet):
    partner = IdListFilter(field_name="partner_id", help_text="Partner id, or a comma list of ids")
