import re

from django.db.models import ProtectedError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api.permissions import (
    StaffOrOwnOrganisation,
    StaffReadAdminsWrite,
    require_change,
    require_profile_fields_only,
)
from partners.api.serializers import (
    PARTNER_ROW,
    ActivitySerializer,
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    ContactSerializer,
    MeSerializer,
    PartnerSerializer,
    RegionSerializer,
    VerticalSerializer,
    partner_representation,
)
from partners.forms import PartnerFilterForm
from partners.models import ApiToken, Contact, Partner, Region, Vertical
from partners.reference import reference_changed
from partners.selectors import ORDERINGS, api_token_list, contact_list, partner_list, partner_timeline
from partners.services import (
    api_token_create,
    api_token_revoke,
    contact_add,
    contact_remove,
    contact_update,
    partner_archive,
    partner_create,
    partner_update,
)
from prm.errors import Conflict, PreconditionFailed

ETAG = re.compile(r'^(?:W/)?"(\d+)-(\d+)"$')


class MeView(APIView):
    """Who the token or session is: identity, role and organisation."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user, context={"request": request}).data)


def _expected_version(request, partner_id: int) -> int | None:
    """The version named by If-Match, or None without the header; a foreign ETag is stale."""
    header = request.headers.get("If-Match")
    if not header or header.strip() == "*":
        return None
    match = ETAG.match(header.strip())
    if not match or int(match.group(1)) != partner_id:
        raise PreconditionFailed("If-Match does not name a version of this partner; fetch it again.")
    return int(match.group(2))


PARTNER_FILTERS = [
    OpenApiParameter("type", str, description="One or a comma list of: " + ", ".join(Partner.Type.values)),
    OpenApiParameter("status", str, description="One or a comma list of: " + ", ".join(Partner.Status.values)),
    OpenApiParameter("region", str, description="Region code(s); a region includes its sub-regions"),
    OpenApiParameter("vertical", str, description="Vertical slug(s)"),
    OpenApiParameter("engagement", str, description="One or a comma list of: " + ", ".join(Partner.Engagement.values)),
    OpenApiParameter("owner", str, description="Owner user id(s)"),
    OpenApiParameter("created_after", OpenApiTypes.DATETIME),
    OpenApiParameter("updated_after", OpenApiTypes.DATETIME),
    OpenApiParameter("search", str, description="Words of the name, website or a contact's name or e-mail"),
    OpenApiParameter("ordering", str, enum=list(ORDERINGS)),
]


@extend_schema_view(list=extend_schema(parameters=PARTNER_FILTERS))
class PartnerViewSet(viewsets.ModelViewSet):
    """Partners. DELETE archives (status terminated); responses carry an ETag that writes may send as If-Match."""

    serializer_class = PartnerSerializer
    permission_classes = [StaffOrOwnOrganisation]
    partner_admin_actions = ("partial_update",)
    filter_backends = []  # PartnerFilterForm validates, partner_list filters

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Partner.objects.none()
        if self.action != "list":
            return partner_list(user=self.request.user)
        form = PartnerFilterForm(self.request.query_params, lazy=True)
        if not form.is_valid():
            raise ValidationError(form.errors)
        return partner_list(user=self.request.user, filters=form.filters())

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset().values(*PARTNER_ROW))
        return self.get_paginated_response([partner_representation(row) for row in page])

    def _respond(self, partner, status_code=status.HTTP_200_OK) -> Response:
        response = Response(PartnerSerializer(partner).data, status=status_code)
        response["ETag"] = partner.etag
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        partner = partner_create(actor=request.user, **serializer.validated_data)
        response = self._respond(partner_list(user=request.user).get(pk=partner.pk), status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/partners/{partner.pk}/"
        return response

    def update(self, request, *args, partial=False, **kwargs):
        partner = self.get_object()
        expected = _expected_version(request, partner.pk)
        require_profile_fields_only(request.user, request.data.keys() if hasattr(request.data, "keys") else ())
        serializer = self.get_serializer(partner, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        partner_update(
            partner_id=partner.pk, actor=request.user, expected_version=expected, **serializer.validated_data
        )
        return self._respond(partner_list(user=request.user).get(pk=partner.pk))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        partner = self.get_object()
        expected = _expected_version(request, partner.pk)
        if partner.status != Partner.Status.TERMINATED:
            partner_archive(partner_id=partner.pk, actor=request.user, expected_version=expected)
        return self._respond(partner_list(user=request.user).get(pk=partner.pk))

    @extend_schema(responses=ActivitySerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        """The partner's activity history, newest first."""
        partner = self.get_object()
        page = self.paginate_queryset(partner_timeline(user=request.user, partner_id=partner.pk))
        return self.get_paginated_response(ActivitySerializer(page, many=True).data)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("partner", int, description="Partner id(s)")]))
class ContactViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """People at partners; at most one primary contact per partner."""

    serializer_class = ContactSerializer
    permission_classes = [StaffOrOwnOrganisation]
    partner_admin_actions = ("create", "partial_update", "destroy")
    filter_backends = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Contact.objects.none()
        raw = self.request.query_params.get("partner") if self.action == "list" else None
        if raw is None:
            return contact_list(user=self.request.user)
        ids = [part.strip() for part in raw.split(",") if part.strip()]
        if not ids or not all(part.isdigit() for part in ids):
            raise ValidationError({"partner": ["Give one or more partner ids, separated by commas."]})
        return contact_list(user=self.request.user, partner_ids=[int(part) for part in ids])

    def get_serializer(self, *args, **kwargs):
        kwargs.setdefault("partners", Partner.objects.visible_to(self.request.user))
        return super().get_serializer(*args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        partner = data.pop("partner")
        require_change(self.request.user, [partner])
        serializer.instance = contact_add(partner_id=partner.pk, actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("partner", None)
        serializer.instance = contact_update(contact_id=serializer.instance.pk, actor=self.request.user, **data)

    def perform_destroy(self, instance):
        contact_remove(contact_id=instance.pk, actor=self.request.user)


class ReferenceDataWrites:
    """Region and vertical writes drop the cached reference data (partners.reference)."""

    def perform_create(self, serializer):
        super().perform_create(serializer)
        reference_changed()

    def perform_update(self, serializer):
        super().perform_update(serializer)
        reference_changed()

    def perform_destroy(self, instance):
        super().perform_destroy(instance)
        reference_changed()


class RegionViewSet(ReferenceDataWrites, viewsets.ModelViewSet):
    """The region tree; ``parent`` is a region code. Admins change it."""

    serializer_class = RegionSerializer
    permission_classes = [StaffReadAdminsWrite]
    queryset = Region.objects.select_related("parent").order_by("code")
    lookup_field = "code"
    filter_backends = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_destroy(self, instance):
        if Partner.objects.filter(regions__contains=[instance.code]).exists():
            raise Conflict("Partners operate in this region; move them first.", code="region_in_use")
        try:
            super().perform_destroy(instance)
        except ProtectedError as exc:
            raise Conflict("This region has sub-regions; remove them first.", code="region_has_children") from exc


class VerticalViewSet(ReferenceDataWrites, viewsets.ModelViewSet):
    """Verticals (industries). Admins change them."""

    serializer_class = VerticalSerializer
    permission_classes = [StaffReadAdminsWrite]
    queryset = Vertical.objects.order_by("name")
    lookup_field = "slug"
    filter_backends = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_destroy(self, instance):
        if Partner.objects.filter(verticals__contains=[instance.slug]).exists():
            raise Conflict("Partners work in this vertical; change them first.", code="vertical_in_use")
        super().perform_destroy(instance)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own API tokens: list, create (the key is shown once) and revoke."""

    serializer_class = ApiTokenSerializer
    filter_backends = []
    # the key's first characters identify a token without revealing it
    lookup_field = "token_key"
    lookup_url_kwarg = "prefix"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ApiToken.objects.none()
        return api_token_list(user=self.request.user)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request):
        form = ApiTokenCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        token, key = api_token_create(user=request.user, **form.validated_data)
        token.key = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        api_token_revoke(token=instance)
