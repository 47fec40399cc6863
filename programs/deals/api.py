"""/api/v1/deals/: deal registrations in api.md's names. A partner's login registers and reads its
own organisation's deals (anything else is a 404) and moves their stage and close date; staff read
every deal with its conflicts; partner managers and administrators approve, reject and close.
Views check the shape and call programs.deals.services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from partners.models import Partner
from partners.querysets import partner_id_of
from partners.roles import Role, can_change_partner, role_of
from prm.api import ScopedViewSet
from prm.errors import FieldErrors
from prm.filters import filter_parameters
from prm.pagination import CursorPagination
from programs.deals import selectors, services
from programs.deals.filters import DealFilterSet
from programs.deals.models import Deal

NOT_FOUND = OpenApiResponse(description="No such deal among those the caller may read.")
# the services' field names → api.md's
API_NAMES = {"customer_company": "customer_name", "expected_close_on": "expected_close"}


def _in_api_names(errors: dict) -> dict:
    return {API_NAMES.get(field, field): messages for field, messages in errors.items()}


class DealPermission(BasePermission):
    """Staff read; partner managers and admins write. A partner's login (admin or member) registers
    and moves its own deals; a route naming a deal goes on to the scoped lookup (404 outside it)."""

    message = "Your role cannot change deals."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        if user.is_staff:
            return request.method in SAFE_METHODS or role_of(user) in (Role.ADMIN, Role.MANAGER)
        return partner_id_of(user) is not None


class DealSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer_company")
    expected_close = serializers.DateField(source="expected_close_on")
    status = serializers.CharField(source="state")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    conflicts = serializers.SerializerMethodField(help_text="Staff only: the overlapping registrations found.")

    class Meta:
        model = Deal
        fields = [
            "id", "partner", "customer_name", "customer_domain", "contact_name", "contact_email", "amount",
            "currency", "expected_close", "products", "stage", "status", "protected_until", "decision_reason",
            "closed_amount", "closed_on", "conflicts", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_conflicts(self, deal: Deal) -> list[dict] | None:
        if not self.context.get("staff"):
            return None
        return [
            {"deal": conflict.other_id, "matched": conflict.matched, "products": conflict.products}
            for conflict in deal.conflicts.all()
        ]


class DealCreateSerializer(serializers.Serializer):
    partner = serializers.IntegerField(required=False, min_value=1, help_text="Staff only; a partner login's own.")
    customer_name = serializers.CharField(max_length=200, allow_blank=True)
    customer_domain = serializers.CharField(max_length=300, allow_blank=True)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    amount = serializers.CharField(max_length=40)
    currency = serializers.CharField(max_length=10)
    expected_close = serializers.DateField()
    products = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class DealUpdateSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Deal.Stage.choices, required=False)
    expected_close = serializers.DateField(required=False)


class DealDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DealCloseSerializer(serializers.Serializer):
    won = serializers.BooleanField()
    amount = serializers.CharField(max_length=40, required=False, allow_blank=True)
    closed_on = serializers.DateField(required=False)


@extend_schema_view(
    list=extend_schema(parameters=filter_parameters(DealFilterSet)),
    retrieve=extend_schema(responses={200: DealSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        request=DealCreateSerializer,
        responses={201: DealSerializer, 409: OpenApiResponse(description="customer_protected: already protected.")},
    ),
    partial_update=extend_schema(request=DealUpdateSerializer, responses={200: DealSerializer, 404: NOT_FOUND}),
)
class DealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Deal registrations. The list takes DealFilterSet's filters (shared with the deal pages and
    their CSV export), ``?ordering=``, and page numbers or a ``?cursor=`` walk (by id unless an
    ordering is given)."""

    serializer_class = DealSerializer
    permission_classes = [DealPermission]
    filterset_class = DealFilterSet
    pagination_class = CursorPagination
    walk_ordering = ("id",)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return selectors.deal_list(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "staff": self.request.user.is_staff}

    def _respond(self, deal_id: int, code=status.HTTP_200_OK) -> Response:
        deal = selectors.deal_list(user=self.request.user).get(pk=deal_id)
        return Response(DealSerializer(deal, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        form = DealCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if request.user.is_staff:
            partner = Partner.objects.filter(pk=data.get("partner")).first() if data.get("partner") else None
            if partner is None:
                raise FieldErrors({"partner": ["Give the partner the deal is registered for."]})
            if not can_change_partner(request.user, partner):
                raise PermissionDenied("You can register deals only for the partners you own.")
        else:
            partner = Partner.objects.visible_to(request.user).first()
            if partner is None:
                raise PermissionDenied("Your organisation cannot register deals.")
        try:
            deal = services.deal_register(
                partner_id=partner.pk,
                actor=request.user,
                customer_company=data["customer_name"],
                customer_domain=data["customer_domain"],
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                amount=data["amount"],
                currency=data["currency"],
                expected_close_on=data["expected_close"],
                products=data["products"],
                notes=data["notes"],
            )
        except FieldErrors as exc:
            raise FieldErrors(_in_api_names(exc.errors)) from exc
        return self._respond(deal.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        deal = self.get_object()
        form = DealUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            services.deal_update(
                deal_id=deal.pk,
                actor=request.user,
                stage=form.validated_data.get("stage"),
                expected_close_on=form.validated_data.get("expected_close"),
            )
        except FieldErrors as exc:
            raise FieldErrors(_in_api_names(exc.errors)) from exc
        return self._respond(deal.pk)

    def _manager_only(self, deal: Deal) -> None:
        if not (self.request.user.is_staff and can_change_partner(self.request.user, deal.partner)):
            raise PermissionDenied("Only the partner's manager decides on a registration.")

    @extend_schema(request=DealDecisionSerializer, responses={200: DealSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve (protect the customer); ``reason`` is needed to override an earlier registration."""
        deal = self.get_object()
        self._manager_only(deal)
        form = DealDecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            services.deal_approve(deal_id=deal.pk, actor=request.user, override_reason=form.validated_data["reason"])
        except FieldErrors as exc:
            raise FieldErrors({"reason": exc.errors.get("override_reason", [])}) from exc
        return self._respond(deal.pk)

    @extend_schema(request=DealDecisionSerializer, responses={200: DealSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject, with the reason the partner reads."""
        deal = self.get_object()
        self._manager_only(deal)
        form = DealDecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.deal_reject(deal_id=deal.pk, actor=request.user, reason=form.validated_data["reason"])
        return self._respond(deal.pk)

    @extend_schema(request=DealCloseSerializer, responses={200: DealSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Won (with the amount and date) or lost; the partner closes its own deals, managers any."""
        deal = self.get_object()
        if request.user.is_staff:
            self._manager_only(deal)
        form = DealCloseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        services.deal_close(
            deal_id=deal.pk,
            actor=request.user,
            won=data["won"],
            amount=data.get("amount"),
            closed_on=data.get("closed_on"),
        )
        return self._respond(deal.pk)


def register(router) -> None:
    router.register("deals", DealViewSet, basename="api-deal")
