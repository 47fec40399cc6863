"""/api/v1/leads/: leads in api.md's names. Partner managers and administrators create leads,
assign those of the manual queue and close them; staff read every lead with its routing
decisions. A partner's login reads only the leads offered to its organisation now or accepted by
it (anything else is a 404), accepts or declines an offer, and converts or closes a lead it
accepted. Views check the shape and call programs.leads.services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from partners.querysets import partner_id_of
from partners.roles import Role, role_of
from prm.api import ScopedViewSet
from prm.pagination import CursorPagination
from programs.leads import selectors, services
from programs.leads.filters import LeadFilterSet
from programs.leads.models import Lead

NOT_FOUND = OpenApiResponse(description="No such lead among those the caller may read.")


class LeadPermission(BasePermission):
    """Staff read; partner managers and admins create, assign and close. A partner's login reads
    its offered and accepted leads and answers offers; a route naming a lead goes on to the
    scoped lookup (404 outside it)."""

    message = "Your role cannot change leads."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        if user.is_staff:
            if request.method in SAFE_METHODS:
                return True
            return role_of(user) in (Role.ADMIN, Role.MANAGER) and view.action not in ("accept", "decline")
        # a partner's login reaching assign learns nothing (the scoped lookup comes first: 404)
        return partner_id_of(user) is not None and view.action != "create"


class LeadSerializer(serializers.ModelSerializer):
    country = serializers.CharField()
    region = serializers.CharField(source="region_id", allow_null=True)
    vertical = serializers.CharField(source="vertical_id", allow_null=True)
    routing = serializers.SerializerMethodField(help_text="Staff only: every routing decision, oldest first.")

    class Meta:
        model = Lead
        fields = [
            "id", "company", "contact_name", "contact_email", "country", "region", "vertical", "size", "source",
            "notes", "status", "partner", "offered_at", "respond_by", "accepted_at", "closed_at", "routing",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.DictField(), allow_null=True))
    def get_routing(self, lead: Lead) -> list[dict] | None:
        if not self.context.get("staff"):
            return None
        return [
            {
                "at": routing.created_at.isoformat(),
                "trigger": routing.trigger,
                "chosen": routing.chosen_id,
                "reason": routing.reason,
                "steps": routing.steps,
                "pool": routing.pool,
            }
            for routing in lead.routings.all()
        ]


class LeadCreateSerializer(serializers.Serializer):
    company = serializers.CharField(max_length=200, allow_blank=True)
    country = serializers.CharField(max_length=10, allow_blank=True)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    region = serializers.CharField(max_length=16, required=False, allow_blank=True, allow_null=True, default=None)
    vertical = serializers.CharField(max_length=50, required=False, allow_blank=True, allow_null=True, default=None)
    size = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    source = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class LeadDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class LeadAssignSerializer(serializers.Serializer):
    partner = serializers.IntegerField(min_value=1)


class LeadCloseSerializer(serializers.Serializer):
    converted = serializers.BooleanField(default=False)


@extend_schema_view(
    retrieve=extend_schema(responses={200: LeadSerializer, 404: NOT_FOUND}),
    create=extend_schema(request=LeadCreateSerializer, responses={201: LeadSerializer}),
)
class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = LeadSerializer
    permission_classes = [LeadPermission]
    pagination_class = CursorPagination
    walk_ordering = ("id",)
    filterset_class = LeadFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self):
        return selectors.lead_list(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "staff": self.request.user.is_staff}

    def _respond(self, lead: Lead, code=status.HTTP_200_OK) -> Response:
        """The lead as the caller may now see it: re-read through the scope, or (a partner that
        just declined it) as the service left it, which names no other partner."""
        visible = selectors.lead_list(user=self.request.user).filter(pk=lead.pk).first()
        return Response(LeadSerializer(visible or lead, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        form = LeadCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        lead = services.lead_create(actor=request.user, **form.validated_data)
        return self._respond(lead, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: LeadSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the lead offered to the caller's organisation; it becomes theirs."""
        lead = self.get_object()
        lead = services.lead_accept(lead_id=lead.pk, partner_id=partner_id_of(request.user), actor=request.user)
        return self._respond(lead)

    @extend_schema(request=LeadDeclineSerializer, responses={200: LeadSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline the lead offered to the caller's organisation, with a reason."""
        lead = self.get_object()
        form = LeadDeclineSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        lead = services.lead_decline(
            lead_id=lead.pk,
            partner_id=partner_id_of(request.user),
            actor=request.user,
            reason=form.validated_data["reason"],
        )
        return self._respond(lead)

    @extend_schema(request=LeadAssignSerializer, responses={200: LeadSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Offer a lead of the manual queue to a partner of the manager's choice."""
        lead = self.get_object()
        if not request.user.is_staff:
            raise PermissionDenied("Only partner managers assign leads.")
        form = LeadAssignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        lead = services.lead_assign_manually(
            lead_id=lead.pk, partner_id=form.validated_data["partner"], actor=request.user
        )
        return self._respond(lead)

    @extend_schema(request=LeadCloseSerializer, responses={200: LeadSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Convert an accepted lead or close a lead; a partner only the leads it accepted."""
        lead = self.get_object()
        if not request.user.is_staff and lead.status != Lead.Status.ACCEPTED:
            raise PermissionDenied("Accept the lead before you convert or close it.")
        form = LeadCloseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        lead = services.lead_close(lead_id=lead.pk, actor=request.user, converted=form.validated_data["converted"])
        return self._respond(lead)


def register(router) -> None:
    router.register("leads", LeadViewSet, basename="api-lead")
