from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    MeSerializer,
)
from partners.models import ApiToken
from partners.selectors import api_token_list
from partners.services import api_token_create, api_token_revoke


class MeView(APIView):
    """Who the token or session is: identity, role and organisation."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user, context={"request": request}).data)


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
