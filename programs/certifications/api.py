"""/api/v1/certifications/ and /api/v1/certification-definitions/. A partner's login records and
reads its own organisation's certifications (anything else is a 404); staff read every one, and
the partner's manager or an administrator verifies or rejects. Every login reads the definitions;
administrators change them. Views check the shape and call programs.certifications.services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from partners.models import Partner
from partners.querysets import partner_id_of
from partners.roles import Role, can_change_partner, role_of
from prm.api import ScopedViewSet
from prm.errors import FieldErrors
from prm.filters import filter_parameters
from programs.certifications import selectors, services
from programs.certifications.filters import CertificationFilterSet
from programs.certifications.models import (
    MAX_VALIDITY_MONTHS,
    MIN_VALIDITY_MONTHS,
    Certification,
    CertificationDefinition,
)

NOT_FOUND = OpenApiResponse(description="No such certification among those the caller may read.")


class CertificationPermission(BasePermission):
    """Staff read, and partner managers and admins write; a partner's login (admin or member)
    records and reads its own; a route naming a certification goes on to the scoped lookup."""

    message = "Your role cannot change certifications."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        if user.is_staff:
            return request.method in SAFE_METHODS or role_of(user) in (Role.ADMIN, Role.MANAGER)
        # a decision on one of its own is refused by the service (403); anyone else's is a 404
        return partner_id_of(user) is not None


class CertificationSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    definition_name = serializers.CharField(source="definition.name", read_only=True)
    vertical = serializers.CharField(source="definition.vertical_id", read_only=True)
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = Certification
        fields = [
            "id", "partner", "contact", "contact_name", "definition", "definition_name", "vertical", "earned_on",
            "expires_on", "state", "verified_at", "rejection_reason", "has_evidence", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_evidence(self, certification: Certification) -> bool:
        return bool(certification.evidence)


class CertificationCreateSerializer(serializers.Serializer):
    partner = serializers.IntegerField(required=False, min_value=1, help_text="Staff only; a partner login's own.")
    contact = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    definition = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    earned_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, help_text="Default: earned_on plus the validity months.")
    evidence = serializers.FileField(required=False, help_text="PDF, PNG or JPEG of at most 10 MB.")


class CertificationRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)


@extend_schema_view(
    list=extend_schema(parameters=filter_parameters(CertificationFilterSet)),
    retrieve=extend_schema(responses={200: CertificationSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        request={
            "multipart/form-data": CertificationCreateSerializer,
            "application/json": CertificationCreateSerializer,
        },
        responses={201: CertificationSerializer},
    ),
)
class CertificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Certifications held by partners' contacts, newest first; CertificationFilterSet's filters
    (shared with the pages). Recorded as multipart with the evidence file, or as JSON without."""

    serializer_class = CertificationSerializer
    permission_classes = [CertificationPermission]
    filterset_class = CertificationFilterSet
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self):
        return selectors.certification_list(user=self.request.user)

    def _respond(self, certification_id: int, code=status.HTTP_200_OK) -> Response:
        certification = selectors.certification_list(user=self.request.user).get(pk=certification_id)
        return Response(CertificationSerializer(certification).data, status=code)

    def create(self, request, *args, **kwargs):
        form = CertificationCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if request.user.is_staff:
            partner = Partner.objects.filter(pk=data.get("partner")).first() if data.get("partner") else None
            if partner is None:
                raise FieldErrors({"partner": ["Give the partner whose contact holds the certification."]})
            if not can_change_partner(request.user, partner):
                raise PermissionDenied("You can record certifications only for the partners you own.")
        else:
            partner = Partner.objects.visible_to(request.user).first()
            if partner is None:
                raise PermissionDenied("Your organisation cannot record certifications.")
        certification = services.certification_record(
            partner_id=partner.pk,
            actor=request.user,
            contact_id=data["contact"],
            definition_id=data["definition"],
            earned_on=data["earned_on"],
            expires_on=data.get("expires_on"),
            evidence=data.get("evidence"),
        )
        return self._respond(certification.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: CertificationSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Verify a pending certification (the partner's manager or an administrator)."""
        certification = self.get_object()
        services.certification_verify(certification_id=certification.pk, actor=request.user)
        return self._respond(certification.pk)

    @extend_schema(request=CertificationRejectSerializer, responses={200: CertificationSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject a pending certification with the reason the partner reads."""
        certification = self.get_object()
        form = CertificationRejectSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.certification_reject(
            certification_id=certification.pk, actor=request.user, reason=form.validated_data["reason"]
        )
        return self._respond(certification.pk)


class DefinitionPermission(BasePermission):
    """Every login reads the catalogue; administrators change it."""

    message = "Only administrators change certification definitions."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        return request.method in SAFE_METHODS or (user.is_staff and role_of(user) == Role.ADMIN)


class DefinitionSerializer(serializers.ModelSerializer):
    vertical = serializers.CharField(source="vertical_id", max_length=50)
    validity_months = serializers.IntegerField(min_value=MIN_VALIDITY_MONTHS, max_value=MAX_VALIDITY_MONTHS)

    class Meta:
        model = CertificationDefinition
        fields = ["id", "name", "vertical", "validity_months", "description", "is_active"]
        read_only_fields = ["id"]
        extra_kwargs = {"name": {"validators": []}}  # the service says whether a name is taken


class DefinitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The certifications contacts can earn, by name; ``?active=`` is not needed: inactive ones
    are listed with ``is_active`` false, so old certifications can still name theirs."""

    serializer_class = DefinitionSerializer
    permission_classes = [DefinitionPermission]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return selectors.definition_list(user=self.request.user)

    def _values(self, partial: bool) -> dict:
        form = DefinitionSerializer(data=self.request.data, partial=partial)
        form.is_valid(raise_exception=True)
        values = dict(form.validated_data)
        if "vertical_id" in values:
            values["vertical"] = values.pop("vertical_id")
        return values

    @extend_schema(request=DefinitionSerializer, responses={201: DefinitionSerializer})
    def create(self, request, *args, **kwargs):
        definition = services.definition_create(actor=request.user, **self._values(partial=False))
        return Response(DefinitionSerializer(definition).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DefinitionSerializer, responses={200: DefinitionSerializer})
    def partial_update(self, request, *args, **kwargs):
        definition = self.get_object()
        definition = services.definition_update(
            definition_id=definition.pk, actor=request.user, **self._values(partial=True)
        )
        return Response(DefinitionSerializer(definition).data)


def register(router) -> None:
    router.register("certifications", CertificationViewSet, basename="api-certification")
    router.register("certification-definitions", DefinitionViewSet, basename="api-certification-definition")
