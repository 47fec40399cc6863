"""Provisioning for identity integrations: /api/v1/users/ and /api/v1/invitations/.

Administrators manage every login; a partner admin manages its own organisation's logins; every other
role gets 403. A login outside the caller's scope is a 404, as if it did not exist. New logins are
never created directly: POST /users/ sends an invitation (201 with the invitation), as
POST /invitations/ does, so the person chooses their own password.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from partners.invitation_models import Invitation
from partners.invitations import invitation_send
from partners.logins import user_deactivate
from partners.models import Partner
from partners.roles import Role, role_of
from partners.users import user_partner_id, user_role, user_role_change, users_manageable_by

User = get_user_model()


class AdminsAndPartnerAdmins(BasePermission):
    """Administrators and partner admins (of an organisation that still has access); others 403."""

    message = "Only administrators and partner admins manage logins."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        role = role_of(user)
        if role == Role.ADMIN:
            return True
        return role == Role.PARTNER_ADMIN and Partner.objects.visible_to(user).exists()


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


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Invitation.Role.choices)
    partner = serializers.IntegerField(required=False, allow_null=True)


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "partner", "expires_at"]


def _invite(request) -> Response:
    form = InvitationCreateSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    partner = None
    partner_id = form.validated_data.get("partner")
    if partner_id is not None:
        partner = Partner.objects.visible_to(request.user).filter(pk=partner_id).first()
        if partner is None:
            raise serializers.ValidationError({"partner": ["Unknown partner."]})
    data = form.validated_data
    invitation = invitation_send(
        actor=request.user, email=data["email"], role=data["role"], partner=partner, request=request
    )
    return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Logins: list, read, PATCH ``role`` or ``is_active`` (false ends sessions and tokens at once);
    POST invites (body and answer as /invitations/)."""

    serializer_class = UserSerializer
    permission_classes = [AdminsAndPartnerAdmins]
    filter_backends = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        return users_manageable_by(self.request.user)

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    def create(self, request):
        return _invite(request)

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


class InvitationViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """POST ``{"email", "role", "partner"}`` sends an invitation e-mail; 201 with the invitation."""

    serializer_class = InvitationSerializer
    permission_classes = [AdminsAndPartnerAdmins]
    filter_backends = []

    def get_queryset(self):
        return Invitation.objects.none()

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    def create(self, request):
        return _invite(request)
