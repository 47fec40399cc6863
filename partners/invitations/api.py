"""/api/v1/invitations/: send, list (pending by default), read and withdraw invitations.

Administrators reach every invitation, a partner admin its own organisation's; every other role
gets 403, and an invitation outside the caller's scope is a 404.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from partners.api.permissions import AdminsAndPartnerAdmins
from partners.invitations.models import Invitation
from partners.invitations.selectors import invitation_list
from partners.invitations.services import invitation_send, invitation_withdraw
from partners.models import Partner
from prm.api import ScopedViewSet
from prm.filters import ChoiceListFilter

ALL = "all"


class InvitationFilterSet(django_filters.FilterSet):
    state = ChoiceListFilter(
        method="filter_state",
        choices=[*Invitation.State.choices, (ALL, "All")],
        help_text="Which invitations: pending (the default), accepted, withdrawn, expired, or all; "
        "one or a comma list.",
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and "state" not in data:
            data = data.copy()
            data["state"] = Invitation.State.PENDING
        super().__init__(data, *args, **kwargs)

    def filter_state(self, queryset, name, value):
        return queryset if not value or ALL in value else queryset.in_states(value)


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Invitation.Role.choices)
    partner = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class InvitationSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=Invitation.State.choices, read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "partner",
            "user",
            "expires_at",
            "created_at",
            "accepted_at",
            "revoked_at",
            "state",
        ]
        read_only_fields = fields


def visible_partner(user, partner_id: int | None) -> Partner | None:
    """The partner a body names, if the caller sees it; a 400 on ``partner`` otherwise, the same for
    another organisation's partner as for one that does not exist."""
    if partner_id is None:
        return None
    partner = Partner.objects.visible_to(user).filter(pk=partner_id).first()
    if partner is None:
        raise serializers.ValidationError({"partner": ["Unknown partner."]})
    return partner


class InvitationViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """POST ``{"email", "role", "partner"}`` sends an invitation e-mail (201 with the invitation); GET lists
    them (pending unless ``?state=``), newest first; DELETE withdraws one (204; 409 once accepted)."""

    serializer_class = InvitationSerializer
    permission_classes = [AdminsAndPartnerAdmins]
    filterset_class = InvitationFilterSet

    def scoped_queryset(self):
        return invitation_list(user=self.request.user)

    def filter_queryset(self, queryset):
        # ?state= chooses among a list's rows; one invitation is read or withdrawn whatever its state
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    def create(self, request):
        form = InvitationCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        invitation = invitation_send(
            actor=request.user,
            email=data["email"],
            role=data["role"],
            partner=visible_partner(request.user, data.get("partner")),
            request=request,
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            204: OpenApiResponse(description="Withdrawn (or withdrawn already): the link no longer works."),
            409: OpenApiResponse(description="Accepted already (code ``invitation_accepted``)."),
        }
    )
    def destroy(self, request, *args, **kwargs):
        invitation = self.get_object()
        invitation_withdraw(invitation_id=invitation.pk, actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
