"""/api/v1/tokens/: API tokens (the key is shown once, at creation).

Everyone manages its own tokens; an administrator also those of every staff login, service
accounts for integrations included (``user`` on POST says whose). A partner login's tokens are
its own only. Tokens outside the caller's reach are a 404.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from partners.api.serializers import ApiTokenCreatedSerializer, ApiTokenCreateSerializer, ApiTokenSerializer
from partners.selectors import api_token_list, token_owners
from partners.services import api_token_create, api_token_revoke
from prm.api import ScopedViewSet

UNKNOWN_OWNER = "Choose yourself or, as an administrator, a staff login."


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """API tokens: list, create (the key is shown once) and revoke."""

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
        data = dict(form.validated_data)
        owner = request.user
        if "user" in data:
            owner = token_owners(user=request.user).filter(pk=data.pop("user")).first()
            if owner is None:
                raise serializers.ValidationError({"user": [UNKNOWN_OWNER]})
        token, key = api_token_create(user=owner, actor=request.user, request=request, **data)
        token.key = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        api_token_revoke(token=instance, actor=self.request.user, request=self.request)
