from django.contrib.auth import get_user_model
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from partners.models import EXTERNAL_ID_PATTERN, Activity, ApiToken, Contact, Partner, Region, Vertical
from partners.querysets import partner_id_of
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
        """The caller's partner organisation; staff belong to none."""
        return partner_id_of(user)

    def get_auth(self, user) -> str:
        return "token" if self.context["request"].auth is not None else "session"


class PartnerSerializer(serializers.ModelSerializer):
    """The partner representation of api.md; region codes and vertical slugs on read and write."""

    country = CountryField()
    regions = serializers.ListField(child=serializers.CharField(max_length=16), max_length=20, required=False)
    verticals = serializers.ListField(child=serializers.CharField(max_length=50), max_length=20, required=False)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True), allow_null=True, required=False
    )
    owner_name = serializers.SerializerMethodField()
    slug = serializers.SlugField(max_length=80, required=False)
    external_id = serializers.RegexField(
        EXTERNAL_ID_PATTERN,
        max_length=100,
        required=False,
        allow_null=True,
        help_text="The integration's own id for this partner (unique when set); letters, digits and . _ : ~ -",
    )

    class Meta:
        model = Partner
        fields = [
            "id", "name", "legal_name", "slug", "external_id", "website", "description", "type", "status",
            "engagement", "country", "regions", "verticals", "owner", "owner_name", "health_score", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "health_score", "created_at", "updated_at"]
        extra_kwargs = {"slug": {"validators": []}}  # uniqueness is the service's answer, with a field message

    def get_owner_name(self, partner) -> str | None:  # documents the field; partner_representation fills it
        return None

    def to_representation(self, partner):
        return partner_representation(partner_row(partner))


# a partner as a flat row: what partner_representation needs, read with QuerySet.values()
PARTNER_ROW = (
    "id", "name", "legal_name", "slug", "external_id", "website", "description", "type", "status", "engagement",
    "country", "regions", "verticals", "owner_id", "owner__first_name", "owner__last_name", "owner__email",
    "health_score", "created_at", "updated_at",
)  # fmt: skip


def partner_row(partner: Partner) -> dict:
    owner = partner.owner
    row = {field: getattr(partner, field) for field in PARTNER_ROW if not field.startswith("owner__")}
    row.update(
        owner__first_name=owner.first_name if owner else None,
        owner__last_name=owner.last_name if owner else None,
        owner__email=owner.email if owner else None,
    )
    return row


def partner_representation(row: dict) -> dict:
    """The api.md partner from a row; the list renders 50 to 200 of these per request without models."""
    owner_name = None
    if row["owner_id"] is not None:
        owner_name = f"{row['owner__first_name']} {row['owner__last_name']}".strip() or row["owner__email"]
    return {
        "id": row["id"],
        "name": row["name"],
        "legal_name": row["legal_name"],
        "slug": row["slug"],
        "external_id": row["external_id"],
        "website": row["website"],
        "description": row["description"],
        "type": row["type"],
        "status": row["status"],
        "engagement": row["engagement"],
        "country": str(row["country"]),
        "regions": row["regions"],
        "verticals": row["verticals"],
        "owner": row["owner_id"],
        "owner_name": owner_name,
        "health_score": row["health_score"],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
    }


def _iso(value) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ActivitySerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = ["id", "kind", "message", "data", "actor", "actor_name", "created_at"]

    def get_actor_name(self, activity) -> str | None:
        actor = activity.actor
        return (actor.get_full_name() or actor.email) if actor else None


class ContactSerializer(serializers.ModelSerializer):
    """A contact of api.md; ``is_primary`` true makes it the primary contact."""

    is_primary = serializers.BooleanField(required=False)

    class Meta:
        model = Contact
        fields = ["id", "partner", "name", "email", "phone", "title", "role", "is_primary"]
        read_only_fields = ["id"]
        validators = []  # the one-primary rule is the service's, answered with a field message

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partners is not None:
            self.fields["partner"].queryset = partners

    def validate(self, data):
        is_primary = data.pop("is_primary", None)
        role = data.get("role", getattr(self.instance, "role", None))
        if is_primary is True:
            if role not in (None, Contact.Role.PRIMARY) and "role" in data:
                raise serializers.ValidationError({"is_primary": ["Contradicts the role; leave one of them out."]})
            data["role"] = Contact.Role.PRIMARY
        elif is_primary is False and role == Contact.Role.PRIMARY:
            if "role" in data:
                raise serializers.ValidationError({"is_primary": ["Contradicts the role; leave one of them out."]})
            data["role"] = Contact.Role.SALES
        if self.instance is not None and "partner" in data and data["partner"].pk != self.instance.partner_id:
            raise serializers.ValidationError({"partner": ["A contact cannot move to another partner."]})
        return data


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Region
        fields = ["code", "name", "parent"]


class VerticalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vertical
        fields = ["slug", "name"]


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token without its key: ``user`` is its owner (the caller, or for an administrator any staff login)."""

    prefix = serializers.CharField(source="token_key", read_only=True)
    user_email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["prefix", "name", "user", "user_email", "created", "expiry"]
        read_only_fields = ["prefix", "user", "created", "expiry"]


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, allow_blank=True, default="")
    expires_days = serializers.IntegerField(
        min_value=1, max_value=3650, required=False, help_text="Lifetime in days; API_TOKEN_TTL_DAYS (90) if left out."
    )
    user = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Whose token: yourself (the default) or, for an administrator, any staff login.",
    )


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="The secret; shown once, store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
