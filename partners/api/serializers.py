from rest_framework import serializers

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
