"""Provisioning for identity integrations: /api/v1/users/ (invitations: partners.invitations.api).

Administrators manage every login; a partner admin manages its own organisation's logins; every other
role gets 403. A login outside the caller's scope is a 404, as if it did not exist. New logins are
never created directly: POST /users/ sends an invitation (201 with the invitation), as
POST /invitations/ does, so the person chooses their own password.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.response import Response

from partners.api.permissions import AdminsAndPartnerAdmins
from partners.invitations.api import InvitationCreateSerializer, InvitationSerializer, InvitationViewSet
from partners.invitations.models import Invitation
from partners.logins import user_deactivate
from partners.users import user_partner_id, user_role, user_role_change, users_manageable_by
from prm.api import ScopedViewSet


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=Invitation.Role.choices, required=False)
    partner = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(required=False)

    def get_name(self, user) -> str:
        return user.get_full_name() or user.email

    def get_partner(self, user) -> int | None:
        return user_partner_id(user)

    def to_representation(self, user):
        data = super().to_representation(user)
        data["role"] = user_role(user)
        return data


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Logins: list, read, PATCH ``role`` or ``is_active`` (false ends sessions and tokens at once);
    POST invites (body and answer as /invitations/)."""

    serializer_class = UserSerializer
    permission_classes = [AdminsAndPartnerAdmins]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return users_manageable_by(self.request.user)

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    def create(self, request):
        return InvitationViewSet.create(self, request)

    def partial_update(self, request, pk=None):
        user = self.get_object()
        form = UserSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if user.pk == request.user.pk and data.get("is_active") is False:
            raise serializers.ValidationError({"is_active": ["You cannot deactivate yourself."]})
        if "role" in data:
            user = user_role_change(user_id=user.pk, role=data["role"], actor=request.user, request=request)
        if data.get("is_active") is False and user.is_active:
            user_deactivate(user_id=user.pk, actor=request.user, request=request)
        elif data.get("is_active") is True and not user.is_active:
            raise serializers.ValidationError(
                {"is_active": ["Reactivation is done by an administrator in the admin site."]}
            )
        return Response(UserSerializer(self.get_queryset().get(pk=user.pk)).data)
