from rest_framework import serializers

from partners.models import ApiToken
from partners.roles import role_of


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()
    partner = serializers.SerializerMethodField()
    is_staff = serializers.BooleanField()
    auth = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.email

    def get_role(self, user) -> str | None:
        return role_of(user)

    def get_partner(self, user) -> int | None:
        # partner organisations arrive with partner logins; staff belong to none
        return None

    def get_auth(self, user) -> str:
        return "token" if self.context["request"].auth is not None else "session"


class ApiTokenSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(source="token_key", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["prefix", "name", "created", "expiry"]
        read_only_fields = ["prefix", "created", "expiry"]


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, allow_blank=True, default="")
    expires_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="The secret; shown once, store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
