"""/api/v1/programs/, their tiers, /api/v1/memberships/ with the evaluation, and
/api/v1/downgrade-proposals/ in api.md's names.

Staff read everything; administrators write programs and tiers (checked as a whole ladder by
programs.tiers.editing); partner managers and administrators enrol members, move tiers and decide
downgrades (the partner's own manager or an administrator). A partner's login reads the active
programs for its type and its own organisation's memberships and their evaluation; another
organisation's membership is a 404. Views check the shape and call the services.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path
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
from programs.tiers import editing, selectors, services
from programs.tiers.filters import MembershipFilterSet, ProposalFilterSet
from programs.tiers.models import DowngradeProposal, Membership, Program, Tier

NOT_FOUND = OpenApiResponse(description="Not among those the caller may read.")


def _is_admin(user) -> bool:
    return user.is_staff and role_of(user) == Role.ADMIN


class ProgramPermission(BasePermission):
    """Every login with an organisation or a staff role reads; administrators write."""

    message = "Only administrators change programs and tiers."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        if request.method in SAFE_METHODS:
            return user.is_staff or partner_id_of(user) is not None
        return _is_admin(user)


class MembershipPermission(BasePermission):
    """Staff read; partner managers and administrators write. A partner's login reads its own; a
    write of its goes on to the scoped lookup (404 outside its organisation) and is then refused
    by the view (``_staff_only``), so another organisation's row is never a 403."""

    message = "Your role cannot change memberships."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        if user.is_staff:
            return request.method in SAFE_METHODS or role_of(user) in (Role.ADMIN, Role.MANAGER)
        return partner_id_of(user) is not None


def _staff_only(request) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("Partner managers decide on memberships and tiers.")


class TierSerializer(serializers.ModelSerializer):
    min_revenue = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, required=False)
    min_won_deals = serializers.IntegerField(allow_null=True, required=False)
    min_health_score = serializers.IntegerField(allow_null=True, required=False)
    min_certified = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text="Certified people per vertical slug."
    )
    rank = serializers.IntegerField()
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    mdf_per_quarter = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    deal_protection_days = serializers.IntegerField(allow_null=True, required=False)
    lead_weight = serializers.IntegerField(allow_null=True, required=False)

    class Meta:
        model = Tier
        fields = ["id", "program", "name", "rank", *editing.REQUIREMENT_FIELDS, *editing.BENEFIT_FIELDS]
        read_only_fields = ["id", "program"]
        extra_kwargs = {"name": {"validators": []}}  # uniqueness is the ladder check's, with its message


class ProgramSerializer(serializers.ModelSerializer):
    partner_types = serializers.ListField(
        child=serializers.CharField(max_length=16),
        allow_empty=False,
        help_text="Partner types that may join: " + ", ".join(Partner.Type.values),
    )
    tiers = serializers.SerializerMethodField(help_text="The program's tiers, lowest rank first.")

    class Meta:
        model = Program
        fields = ["id", "name", "slug", "partner_types", "description", "is_active", "currency", "auto_upgrade",
                  "grace_days", "requires_agreement", "tiers", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "tiers", "created_at", "updated_at"]
        extra_kwargs = {"name": {"validators": []}, "slug": {"validators": []}}  # the service names duplicates

    def get_tiers(self, program: Program) -> list[dict]:
        return TierSerializer(program.ladder, many=True).data


class MembershipSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    tier_name = serializers.CharField(source="tier.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "partner", "partner_name", "program", "program_name", "tier", "tier_name", "since", "state",
                  "grace_started_on", "grace_until", "evaluated_on", "recommended_tier", "created_at"]  # fmt: skip
        read_only_fields = fields


class MembershipCreateSerializer(serializers.Serializer):
    partner = serializers.IntegerField(min_value=1)
    program = serializers.IntegerField(min_value=1)
    tier = serializers.IntegerField(min_value=1, required=False, help_text="The entry tier if left out.")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TierChangeSerializer(serializers.Serializer):
    tier = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=2000, allow_blank=True)
    expected_tier = serializers.IntegerField(
        min_value=1, required=False, help_text="The tier the decision was taken on (409 tier_moved otherwise)."
    )


class ProposalSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="membership.partner.name", read_only=True)
    program = serializers.IntegerField(source="membership.program_id", read_only=True)
    from_tier_name = serializers.CharField(source="from_tier.name", read_only=True)
    to_tier_name = serializers.CharField(source="to_tier.name", read_only=True)

    class Meta:
        model = DowngradeProposal
        fields = ["id", "membership", "partner", "partner_name", "program", "from_tier", "from_tier_name", "to_tier",
                  "to_tier_name", "evidence", "state", "reason", "decided_by", "decided_at", "created_at"]  # fmt: skip
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


@extend_schema_view(
    retrieve=extend_schema(responses={200: ProgramSerializer, 404: NOT_FOUND}),
    partial_update=extend_schema(responses={200: ProgramSerializer, 404: NOT_FOUND}),
)
class ProgramViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """Programs with their tiers. Partners read the active programs for their type."""

    serializer_class = ProgramSerializer
    permission_classes = [ProgramPermission]
    pagination_class = CursorPagination
    walk_ordering = ("id",)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return selectors.program_list(user=self.request.user).order_by("name", "id")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        selectors.attach_tiers(page if page is not None else list(queryset))
        return page

    def get_object(self):
        program = super().get_object()
        selectors.attach_tiers([program])
        return program

    def _respond(self, program_id: int, code=status.HTTP_200_OK) -> Response:
        return Response(
            ProgramSerializer(selectors.program_get(user=self.request.user, program_id=program_id)).data, status=code
        )

    def create(self, request, *args, **kwargs):
        form = ProgramSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = {key: value for key, value in form.validated_data.items() if key in editing.PROGRAM_FIELDS}
        program = editing.program_create(actor=request.user, **data)
        return self._respond(program.pk, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        program = self.get_object()
        form = ProgramSerializer(program, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        data = {key: value for key, value in form.validated_data.items() if key in editing.PROGRAM_FIELDS}
        editing.program_update(program_id=program.pk, actor=request.user, **data)
        return self._respond(program.pk)


class ProgramTierViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    mixins.DestroyModelMixin, ScopedViewSet,
):  # fmt: skip
    """``/programs/{program_pk}/tiers/``: the ladder, lowest rank first; administrators add,
    change and remove tiers, each checked with the rest of the ladder (400 naming the field)."""

    serializer_class = TierSerializer
    permission_classes = [ProgramPermission]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _program(self) -> Program:
        try:
            return selectors.program_list(user=self.request.user).get(pk=self.kwargs["program_pk"])
        except Program.DoesNotExist:
            raise Http404 from None

    def scoped_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator asks without a program
            return Tier.objects.none()
        return selectors.tier_list(user=self.request.user, program_id=self._program().pk)

    def create(self, request, *args, **kwargs):
        program = self._program()
        form = TierSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        tier = editing.tier_create(program_id=program.pk, actor=request.user, **form.validated_data)
        return Response(TierSerializer(tier).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        tier = self.get_object()
        form = TierSerializer(tier, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        tier = editing.tier_update(tier_id=tier.pk, actor=request.user, **form.validated_data)
        return Response(TierSerializer(tier).data)

    def destroy(self, request, *args, **kwargs):
        tier = self.get_object()
        editing.tier_delete(tier_id=tier.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(parameters=filter_parameters(MembershipFilterSet)),
    retrieve=extend_schema(responses={200: MembershipSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        request=MembershipCreateSerializer,
        responses={
            201: MembershipSerializer,
            409: OpenApiResponse(description="program_not_for_partner_type or membership_exists."),
        },
    ),
)
class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """A partner in a program at a tier. The list takes MembershipFilterSet's filters (shared with the
    members page), ``?ordering=`` and page numbers or a ``?cursor=`` walk."""

    serializer_class = MembershipSerializer
    permission_classes = [MembershipPermission]
    filterset_class = MembershipFilterSet
    pagination_class = CursorPagination
    walk_ordering = ("id",)
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self):
        return selectors.membership_list(user=self.request.user).order_by("id")

    def _respond(self, membership_id: int, code=status.HTTP_200_OK) -> Response:
        membership = selectors.membership_list(user=self.request.user).get(pk=membership_id)
        return Response(MembershipSerializer(membership).data, status=code)

    def create(self, request, *args, **kwargs):
        _staff_only(request)
        form = MembershipCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        partner = Partner.objects.visible_to(request.user).filter(pk=data["partner"]).first()
        if partner is None:
            raise FieldErrors({"partner": ["No such partner."]})
        if not can_change_partner(request.user, partner):
            raise PermissionDenied("Only the partner's manager or an administrator enrols it.")
        if not Program.objects.filter(pk=data["program"]).exists():
            raise FieldErrors({"program": ["No such program."]})
        membership = services.membership_create(
            partner_id=partner.pk, program_id=data["program"], tier_id=data.get("tier"), actor=request.user,
            reason=data["reason"],
        )  # fmt: skip
        return self._respond(membership.pk, status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiResponse(description="api.md's membership evaluation."), 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def evaluation(self, request, pk=None):
        """Where the member stands: each requirement of the tier it works towards with its value,
        threshold and whether it is met, plus every tier's checks (evaluated live)."""
        membership = self.get_object()
        evaluation = selectors.membership_evaluation(membership=membership)
        if evaluation is None:
            raise Http404
        return Response(selectors.evaluation_json(evaluation))

    @extend_schema(request=TierChangeSerializer, responses={200: MembershipSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def tier(self, request, pk=None):
        """Move the member to another tier of its program, with the reason kept in its history."""
        membership = self.get_object()
        _staff_only(request)
        if not can_change_partner(request.user, membership.partner):
            raise PermissionDenied("Only the partner's manager or an administrator changes its tier.")
        form = TierChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        services.membership_change_tier(
            membership_id=membership.pk, tier_id=data["tier"], actor=request.user, reason=data["reason"],
            expected_tier_id=data.get("expected_tier"),
        )  # fmt: skip
        return self._respond(membership.pk)


@extend_schema_view(
    list=extend_schema(parameters=filter_parameters(ProposalFilterSet)),
    retrieve=extend_schema(responses={200: ProposalSerializer, 404: NOT_FOUND}),
)
class DowngradeProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Proposed downgrades, oldest first; the partner's manager or an administrator approves or
    rejects one (a rejection needs a reason). Staff only."""

    serializer_class = ProposalSerializer
    permission_classes = [MembershipPermission]
    filterset_class = ProposalFilterSet
    pagination_class = CursorPagination
    walk_ordering = ("id",)

    def scoped_queryset(self):
        if not self.request.user.is_staff:
            return DowngradeProposal.objects.none()
        return selectors.proposal_list(user=self.request.user).order_by("created_at", "id")

    def _decide(self, request, decide) -> Response:
        proposal = self.get_object()
        _staff_only(request)
        if not can_change_partner(request.user, proposal.membership.partner):
            raise PermissionDenied("Only the partner's manager or an administrator decides on a downgrade.")
        form = DecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        decide(proposal_id=proposal.pk, actor=request.user, reason=form.validated_data["reason"])
        proposal = selectors.proposal_list(user=request.user).get(pk=proposal.pk)
        return Response(ProposalSerializer(proposal).data)

    @extend_schema(request=DecisionSerializer, responses={200: ProposalSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Move the member down as proposed; the reason (optional) is kept in its tier history."""
        return self._decide(request, services.downgrade_approve)

    @extend_schema(request=DecisionSerializer, responses={200: ProposalSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Keep the member at its tier; the reason is required."""
        return self._decide(request, services.downgrade_reject)


def register(router) -> None:
    router.register("programs", ProgramViewSet, basename="api-program")
    router.register("memberships", MembershipViewSet, basename="api-membership")
    router.register("downgrade-proposals", DowngradeProposalViewSet, basename="api-downgrade-proposal")


# a program's tiers, nested under it (the router registers flat resources only)
_tiers = ProgramTierViewSet.as_view({"get": "list", "post": "create"})
_tier = ProgramTierViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"})
urlpatterns = [
    path("programs/<int:program_pk>/tiers/", _tiers, name="api-program-tier-list"),
    path("programs/<int:program_pk>/tiers/<int:pk>/", _tier, name="api-program-tier-detail"),
]
