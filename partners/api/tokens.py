"""/api/v1/tokens/: API tokens (the key is shown once, at creation)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from partners.api.serializers import ApiTokenCreatedSerializer, ApiTokenCreateSerializer, ApiTokenSerializer
from partners.selectors import api_token_list
from partners.services import api_token_create, api_token_revoke
from prm.api import ScopedViewSet


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """The caller's own API tokens: list, create (the key is shown once) and revoke."""

    serializer_class = ApiTokenSerializer
    # the key's first characters identify a token without revealing it
    lookup_field = "token_key"
    lookup_url_kwarg = "prefix"

    def scoped_queryset(self):
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
