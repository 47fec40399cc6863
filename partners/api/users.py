"""Provisioning for identity integrations: /api/v1/users/ and /api/v1/invitations/.

Administrators manage every login; a partner admin manages its own organisation's logins; every other
role gets 403. A login outside the caller's scope is a 404, as if it did not exist. New logins are
never created directly: POST /users/ sends an invitation (201 with the invitation), as
POST /invitations/ does, so the person chooses their own password. Invitations are listed (pending by
default), read and withdrawn (DELETE) with the same scoping.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from partners.invitation_models import Invitation
from partners.invitations import invitation_send, invitation_withdraw
from partners.logins import user_deactivate
from partners.models import Partner
from partners.roles import Role, role_of
from partners.selectors import invitation_list
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
    state = serializers.ChoiceField(choices=Invitation.State.choices, read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "partner", "expires_at", "created_at", "accepted_at", "revoked_at", "state"]
        read_only_fields = fields


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


STATE_CHOICES = (*Invitation.State.values, "all")


class InvitationViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """POST ``{"email", "role", "partner"}`` sends an invitation e-mail (201 with the invitation); GET lists
    them (pending unless ``?state=``), newest first; DELETE withdraws one (204; 409 once accepted)."""

    serializer_class = InvitationSerializer
    permission_classes = [AdminsAndPartnerAdmins]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invitation.objects.none()
        if self.action != "list":
            return invitation_list(user=self.request.user)
        state = self.request.query_params.get("state", "pending")
        if state not in STATE_CHOICES:
            raise serializers.ValidationError({"state": [f"Choose one of: {', '.join(STATE_CHOICES)}."]})
        return invitation_list(user=self.request.user, state=None if state == "all" else state)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "state",
                OpenApiTypes.STR,
                enum=STATE_CHOICES,
                description="Which invitations: pending (the default), accepted, withdrawn, expired or all.",
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    def create(self, request):
        return _invite(request)

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
