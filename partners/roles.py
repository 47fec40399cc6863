"""Staff roles are Django groups, so admins can grant them in the admin site."""

from django.contrib.auth.models import Group


class Role:
    ADMIN = "admin"
    MANAGER = "manager"
    ANALYST = "analyst"
    PARTNER_ADMIN = "partner_admin"
    PARTNER_MEMBER = "partner_member"

    STAFF = (ADMIN, MANAGER, ANALYST)
    PARTNER = (PARTNER_ADMIN, PARTNER_MEMBER)
    GROUP_NAMES = {MANAGER: "Partner managers", ANALYST: "Analysts"}


def role_of(user) -> str | None:
    """The caller's role, or None for an anonymous user or a login without one."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.ADMIN
    if not user.is_staff:
        from partners.models import PartnerUser

        link = PartnerUser.objects.filter(user_id=user.pk).values_list("role", flat=True).first()
        return link
    names = {group.name for group in user.groups.all()}
    for role in (Role.MANAGER, Role.ANALYST):
        if Role.GROUP_NAMES[role] in names:
            return role
    return None


def role_group(role: str) -> Group:
    group, _ = Group.objects.get_or_create(name=Role.GROUP_NAMES[role])
    return group
