import re

from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api.filters import ContactFilterSet
from partners.api.permissions import (
    ReadAllAdminsWrite,
    StaffOrOwnOrganisation,
    require_change,
    require_profile_fields_only,
)
from partners.api.serializers import (
    PARTNER_ROW,
    ActivitySerializer,
    ContactSerializer,
    MeSerializer,
    PartnerSerializer,
    RegionSerializer,
    VerticalSerializer,
    partner_representation,
)
from partners.forms import PartnerFilterForm
from partners.models import Partner
from partners.reference import reference_changed
from partners.selectors import contact_list, partner_list, partner_timeline, region_list, vertical_list
from partners.services import (
    contact_add,
    contact_remove,
    contact_update,
    partner_archive,
    partner_create,
    partner_update,
    partner_upsert,
)
from prm.api import ScopedViewSet, form_parameters
from prm.errors import Conflict, PreconditionFailed
from prm.filters import filter_parameters
from prm.pagination import CursorPagination

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


@extend_schema_view(list=extend_schema(parameters=form_parameters(PartnerFilterForm)))
class PartnerViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Partners. DELETE archives (status terminated); responses carry an ETag that writes may send as If-Match."""

    serializer_class = PartnerSerializer
    permission_classes = [StaffOrOwnOrganisation]
    pagination_class = CursorPagination  # the list and the timeline
    walk_ordering = ("id",)
    partner_admin_actions = ("partial_update",)
    filter_backends = []  # PartnerFilterForm (shared with the pages) validates, partner_list filters
    filter_form_class = PartnerFilterForm
    filter_form_kwargs = {"lazy": True}

    def scoped_queryset(self):
        filters = self.form_filters() if self.action == "list" else None
        return partner_list(user=self.request.user, filters=filters)

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

    @extend_schema(
        methods=["GET"],
        responses={200: PartnerSerializer},
        description="The partner an integration knows by its own id (`external_id`); 404 when none has it.",
    )
    @extend_schema(
        methods=["PUT"],
        request=PartnerSerializer,
        responses={200: PartnerSerializer, 201: PartnerSerializer},
        description=(
            "Create or update, in one idempotent call, the partner with this `external_id`: 201 with `Location` when "
            "it was created, 200 when it was updated. The body is the whole partner (as for POST); validation, "
            "timeline and ETag rules are those of the other writes. `If-Match` (an ETag or `*`) only updates, "
            "412 when the partner does not exist or changed; `If-None-Match: *` only creates."
        ),
    )
    @action(
        detail=False,
        methods=["get", "put"],
        url_path=r"by-external-id/(?P<external_id>[A-Za-z0-9._:~-]{1,100})",
        url_name="by-external-id",
    )
    def by_external_id(self, request, external_id=None):
        if request.method == "GET":
            return self._respond(get_object_or_404(self.get_queryset(), external_id=external_id))
        existing = self.get_queryset().filter(external_id=external_id).first()
        if existing is not None:
            self.check_object_permissions(request, existing)  # a partner's login: 403 on its own partner
        elif not request.user.is_staff:
            raise NotFound()  # nothing of its own organisation has this id; it creates no partner
        serializer = self.get_serializer(existing, data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = {key: value for key, value in serializer.validated_data.items() if key != "external_id"}
        if_match = request.headers.get("If-Match", "").strip()
        upserted = partner_upsert(
            external_id=external_id,
            actor=request.user,
            expected_version=_expected_version(request, existing.pk) if existing is not None else None,
            must_exist=True if if_match else (False if request.headers.get("If-None-Match") == "*" else None),
            **fields,
        )
        partner = partner_list(user=request.user).get(pk=upserted.partner.pk)
        if not upserted.created:
            return self._respond(partner)
        response = self._respond(partner, status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/partners/{partner.pk}/"
        return response

    @extend_schema(responses=ActivitySerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        """The partner's activity history, newest first."""
        partner = self.get_object()
        page = self.paginate_queryset(partner_timeline(user=request.user, partner_id=partner.pk))
        return self.get_paginated_response(ActivitySerializer(page, many=True).data)


@extend_schema_view(list=extend_schema(parameters=filter_parameters(ContactFilterSet)))
class ContactViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """People at partners; at most one primary contact per partner."""

    serializer_class = ContactSerializer
    permission_classes = [StaffOrOwnOrganisation]
    pagination_class = CursorPagination
    walk_ordering = ("id",)
    partner_admin_actions = ("create", "partial_update", "destroy")
    filterset_class = ContactFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self):
        return contact_list(user=self.request.user)

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


REFERENCE_MIXINS = (
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
)


class RegionViewSet(ReferenceDataWrites, *REFERENCE_MIXINS, ScopedViewSet):
    """The region tree; ``parent`` is a region code. Every caller reads it (a partner's integration
    resolves the codes it reads on its own partner); admins change it."""

    serializer_class = RegionSerializer
    permission_classes = [ReadAllAdminsWrite]
    lookup_field = "code"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self):
        return region_list()

    def perform_destroy(self, instance):
        if Partner.objects.filter(regions__contains=[instance.code]).exists():
            raise Conflict("Partners operate in this region; move them first.", code="region_in_use")
        try:
            super().perform_destroy(instance)
        except ProtectedError as exc:
            raise Conflict("This region has sub-regions; remove them first.", code="region_has_children") from exc


class VerticalViewSet(ReferenceDataWrites, *REFERENCE_MIXINS, ScopedViewSet):
    """Verticals (industries). Every caller reads them; admins change them."""

    serializer_class = VerticalSerializer
    permission_classes = [ReadAllAdminsWrite]
    lookup_field = "slug"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self):
        return vertical_list()

    def perform_destroy(self, instance):
        if Partner.objects.filter(verticals__contains=[instance.slug]).exists():
            raise Conflict("Partners work in this vertical; change them first.", code="vertical_in_use")
        super().perform_destroy(instance)
