"""/api/v1/applications/: partner applications, for staff only. Staff read them; partner managers
and administrators assign a vetter, approve and reject. A partner's token reads an empty list and
gets a 404 for each application. Views check the shape and call programs.applications.services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.models import Partner
from prm.api import ScopedViewSet
from prm.errors import FieldErrors
from prm.filters import filter_parameters
from programs.applications import selectors, services
from programs.applications.filters import ApplicationFilterSet
from programs.applications.models import PartnerApplication

User = get_user_model()
NOT_FOUND = OpenApiResponse(description="No such application among those the caller may read.")


class ApplicationSerializer(serializers.ModelSerializer):
    country = serializers.CharField()
    # the partner types' enum is the partner's own (TypeEnum); a second name for it would warn
    requested_type = serializers.CharField(help_text="One of the partner types: " + ", ".join(Partner.Type.values))
    duplicate = serializers.BooleanField(source="is_duplicate")
    invitation = serializers.IntegerField(source="invitation_id", allow_null=True)

    class Meta:
        model = PartnerApplication
        fields = [
            "id", "partner", "company", "website", "domain", "country", "requested_type", "verticals", "regions",
            "contact_name", "contact_email", "contact_phone", "message", "client_ip", "state", "vetter",
            "decided_by", "decided_at", "rejection_reason", "duplicate", "duplicate_of", "duplicate_partner",
            "invitation", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class AssignSerializer(serializers.Serializer):
    vetter = serializers.IntegerField(
        allow_null=True, min_value=1, help_text="A partner manager's or administrator's id; null for nobody."
    )


class ApplicationRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="E-mailed to the applicant.")


@extend_schema_view(
    list=extend_schema(parameters=filter_parameters(ApplicationFilterSet)),
    retrieve=extend_schema(responses={200: ApplicationSerializer, 404: NOT_FOUND}),
)
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Applications to become a partner, oldest first; the list takes ApplicationFilterSet's
    filters (shared with the queue page)."""

    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilterSet

    def scoped_queryset(self):
        return selectors.application_list(user=self.request.user)

    def _respond(self, application_id: int) -> Response:
        application = selectors.application_get(user=self.request.user, application_id=application_id)
        return Response(ApplicationSerializer(application).data)

    @extend_schema(request=AssignSerializer, responses={200: ApplicationSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Give the application a vetter (a partner manager or administrator), or none."""
        application = self.get_object()
        form = AssignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        vetter_id = form.validated_data["vetter"]
        vetter = User.objects.filter(pk=vetter_id).first() if vetter_id is not None else None
        if vetter_id is not None and vetter is None:
            raise FieldErrors({"vetter": ["Choose an active partner manager or administrator."]})
        services.application_assign(application_id=application.pk, actor=request.user, vetter=vetter)
        return self._respond(application.pk)

    @extend_schema(request=None, responses={200: ApplicationSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve: the partner moves to onboarding and its contact is invited as partner admin."""
        application = self.get_object()
        services.application_approve(application_id=application.pk, actor=request.user, request=request)
        return self._respond(application.pk)

    @extend_schema(request=ApplicationRejectSerializer, responses={200: ApplicationSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject with a reason, which is e-mailed to the applicant."""
        application = self.get_object()
        form = ApplicationRejectSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.application_reject(
            application_id=application.pk, actor=request.user, reason=form.validated_data["reason"]
        )
        return self._respond(application.pk)


def register(router) -> None:
    router.register("applications", ApplicationViewSet, basename="api-application")
