"""API of relationship records: /api/v1/metrics/, /agreements/, /reviews/, /documents/.

Views validate the shape with serializers and call ``partners.records.services``; lists come from
``partners.records.selectors``, scoped by ``Partner.objects.visible_to``. ``register(router)``
adds the viewsets to the project's router (prm/api_urls.py).
"""

from __future__ import annotations

from dataclasses import asdict

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from partners.api.permissions import StaffOrOwnOrganisation, require_change
from partners.models import Partner
from partners.records import selectors, services
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric
from prm.api import ScopedViewSet
from prm.filters import IdListFilter, TrueFalseFilter, filter_parameters
from prm.pagination import CursorPagination

# --- filters --------------------------------------------------------------------------


class RecordFilterSet(django_filters.FilterSet):
    partner = IdListFilter(field_name="partner_id", help_text="Partner id, or a comma list of ids")


class DocumentFilterSet(RecordFilterSet):
    current = TrueFalseFilter(
        method="filter_current",
        help_text="true: only the documents partners hold now; false: only those a newer upload replaced",
    )

    def filter_current(self, queryset, name, value):
        return queryset.filter(replaced_by__isnull=value)


class MetricFilterSet(RecordFilterSet):
    key = django_filters.CharFilter(
        method="filter_key", help_text="Metric key, or a comma list of keys (e.g. sla_compliance_pct,csat)"
    )
    period_after = django_filters.DateFilter(
        field_name="period_end", lookup_expr="gte", help_text="Only periods ending on or after this date (YYYY-MM-DD)"
    )

    def filter_key(self, queryset, name, value):
        keys = [key.strip() for key in value.split(",") if key.strip()]
        if not keys:
            raise ValidationError({"key": ["Give one or more metric keys, separated by commas."]})
        return queryset.filter(key__in=keys)


# --- serializers ----------------------------------------------------------------------


class _OfVisiblePartner(serializers.ModelSerializer):
    """``partner`` is chosen among the partners the caller may see and cannot change afterwards."""

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partners is not None and "partner" in self.fields:
            self.fields["partner"].queryset = partners

    def validate(self, data):
        if self.instance is not None and "partner" in data and data["partner"].pk != self.instance.partner_id:
            raise serializers.ValidationError({"partner": ["A record cannot move to another partner."]})
        return data


class AgreementSerializer(_OfVisiblePartner):
    class Meta:
        model = Agreement
        fields = ["id", "partner", "kind", "title", "start_on", "end_on", "status", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class ReviewSerializer(_OfVisiblePartner):
    class Meta:
        model = BusinessReview
        fields = ["id", "partner", "held_on", "kind", "attendees", "notes", "recorded_by", "created_at"]
        read_only_fields = ["id", "recorded_by", "created_at"]


class DocumentSerializer(_OfVisiblePartner):
    """A document's facts; the file is write-only and its location is never shown. ``replaced_by``
    is the newer upload that superseded it (null while it is current)."""

    file = serializers.FileField(write_only=True, help_text="PDF, PNG or JPEG, at most 10 MB.")

    class Meta:
        model = PartnerDocument
        fields = [
            "id", "partner", "kind", "title", "issued_on", "expires_on", "uploaded_by", "replaced_by", "created_at",
            "file",
        ]  # fmt: skip
        read_only_fields = ["id", "uploaded_by", "replaced_by", "created_at"]


class DocumentReplaceSerializer(serializers.Serializer):
    """A newer version of a document: it keeps the document's partner and kind, and its title unless given."""

    file = serializers.FileField(help_text="PDF, PNG or JPEG, at most 10 MB.")
    title = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Defaults to the replaced document's title."
    )
    issued_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)


class MetricSerializer(_OfVisiblePartner):
    source = serializers.CharField(max_length=50, required=False, default="api", allow_blank=True)

    class Meta:
        model = ReportedMetric
        fields = [
            "id", "partner", "key", "period_start", "period_end", "value", "source", "reported_by", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "reported_by", "created_at"]
        validators = []  # re-reporting a period updates it (the service's upsert), it is no duplicate


# --- viewsets -------------------------------------------------------------------------


class _RecordViewSet(ScopedViewSet):
    # a partner's login reads its own records; its admins upload documents and report metrics,
    # as in the partner portal
    permission_classes = [StaffOrOwnOrganisation]
    partner_admin_actions: tuple[str, ...] = ()
    filterset_class = RecordFilterSet

    def get_serializer(self, *args, **kwargs):
        kwargs.setdefault("partners", Partner.objects.visible_to(self.request.user))
        return super().get_serializer(*args, **kwargs)

    def _fields(self, serializer) -> tuple[int, dict]:
        """The partner id and the other fields; a new record needs a partner the caller may change."""
        data = dict(serializer.validated_data)
        partner = data.pop("partner", None)
        if partner is not None and serializer.instance is None:
            require_change(self.request.user, [partner])
        return (partner.pk if partner else None), data


@extend_schema_view(list=extend_schema(parameters=filter_parameters(RecordFilterSet)))
class AgreementViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    _RecordViewSet,
):
    """Agreements with partners (reseller, referral, technology alliance …), with their dates and status."""

    serializer_class = AgreementSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return selectors.agreement_list(user=self.request.user)

    def perform_create(self, serializer):
        partner_id, data = self._fields(serializer)
        serializer.instance = services.agreement_add(partner_id=partner_id, actor=self.request.user, **data)

    def perform_update(self, serializer):
        _, data = self._fields(serializer)
        serializer.instance = services.agreement_update(
            agreement_id=serializer.instance.pk, actor=self.request.user, **data
        )


@extend_schema_view(list=extend_schema(parameters=filter_parameters(RecordFilterSet)))
class ReviewViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    _RecordViewSet,
):
    """Business, strategy, roadmap, pipeline and service reviews held with partners."""

    serializer_class = ReviewSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return selectors.review_list(user=self.request.user)

    def perform_create(self, serializer):
        partner_id, data = self._fields(serializer)
        serializer.instance = services.review_record(partner_id=partner_id, actor=self.request.user, **data)

    def perform_update(self, serializer):
        _, data = self._fields(serializer)
        serializer.instance = services.review_update(review_id=serializer.instance.pk, actor=self.request.user, **data)


@extend_schema_view(list=extend_schema(parameters=filter_parameters(DocumentFilterSet)))
class DocumentViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, _RecordViewSet):
    """Partner documents (KYC, insurance, NDA, certificates). Upload as multipart; files are never served here."""

    partner_admin_actions = ("create", "replace")

    serializer_class = DocumentSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_class = DocumentFilterSet

    def scoped_queryset(self):
        return selectors.document_list(user=self.request.user)

    def perform_create(self, serializer):
        partner_id, data = self._fields(serializer)
        serializer.instance = services.document_add(partner_id=partner_id, actor=self.request.user, **data)

    @extend_schema(
        request=DocumentReplaceSerializer,
        responses={201: DocumentSerializer, 409: OpenApiTypes.OBJECT},
        description=(
            "Upload a newer version of a document (multipart). The new document has the same partner and kind; "
            "the old one gets `replaced_by` and stays readable. Answers 201 with the new document, 409 "
            '{"code": "document_replaced", "replaced_by": <id>} when the document was already replaced.'
        ),
    )
    @action(detail=True, methods=["post"])
    def replace(self, request, pk=None):
        document = self.get_object()  # 404 outside the caller's organisation; 403 without the right to change it
        serializer = DocumentReplaceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = services.document_replace(document_id=document.pk, actor=request.user, **serializer.validated_data)
        return Response(DocumentSerializer(new).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(parameters=filter_parameters(MetricFilterSet)))
class MetricViewSet(mixins.ListModelMixin, _RecordViewSet):
    """Figures partners and integrations report per period (SLA %, CSAT, win rate …)."""

    partner_admin_actions = ("create",)

    serializer_class = MetricSerializer
    pagination_class = CursorPagination
    walk_ordering = ("id",)
    filterset_class = MetricFilterSet

    def scoped_queryset(self):
        return selectors.metric_list(user=self.request.user)

    @extend_schema(
        request=MetricSerializer,
        responses={200: MetricSerializer, 201: MetricSerializer},
        description=(
            "Report one figure for a period, or a JSON list of them (at most 500, all or nothing). Reporting a "
            "partner's key and period again updates its value. Answers 201 when a period was new (for a list: "
            "when any was), 200 when only existing periods were updated; a list is answered with a list. "
            'Errors in a list name the position: {"1.key": ["…"]}.'
        ),
    )
    def create(self, request, *args, **kwargs):
        many = isinstance(request.data, list)
        kwargs = {"many": True, "allow_empty": False, "max_length": services.MAX_METRICS_PER_REPORT} if many else {}
        serializer = self.get_serializer(data=request.data, **kwargs)
        if not serializer.is_valid():
            errors = _flat_errors(serializer.errors) if many else serializer.errors
            raise ValidationError(errors)
        rows = serializer.validated_data if many else [serializer.validated_data]
        require_change(request.user, {row["partner"].pk: row["partner"] for row in rows}.values())
        reports = [
            services.MetricReport(
                partner_id=row["partner"].pk,
                key=row["key"],
                period_start=row["period_start"],
                period_end=row["period_end"],
                value=row["value"],
                source=row.get("source") or "api",
            )
            for row in rows
        ]
        if many:
            written = services.metrics_report(actor=request.user, reports=reports)
        else:
            report = reports[0]
            written = [services.metric_report(actor=request.user, **asdict(report))]
        created = any(was_created for _, was_created in written)
        data = MetricSerializer([metric for metric, _ in written], many=True).data
        return Response(data if many else data[0], status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _flat_errors(errors) -> dict:
    """A list's errors as ``{"<position>.<field>": [...]}``, so a 400 keeps the ``{"field": [...]}`` shape.

    DRF gives them as a list (one entry per item) or, in newer versions, a dict of the failing
    positions; errors of the list itself (empty, too long, not a list) keep their key.
    """
    items = enumerate(errors) if isinstance(errors, list) else errors.items()
    flat: dict = {}
    for position, error in items:
        if isinstance(error, dict):
            flat |= {f"{position}.{field}": messages for field, messages in error.items()}
        elif error:
            flat[str(position)] = error
    return flat


def register(router) -> None:
    """Add the relationship-record endpoints to the API router."""
    router.register("metrics", MetricViewSet, basename="api-metric")
    router.register("agreements", AgreementViewSet, basename="api-agreement")
    router.register("reviews", ReviewViewSet, basename="api-review")
    router.register("documents", DocumentViewSet, basename="api-document")
