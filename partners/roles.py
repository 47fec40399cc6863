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
    """The caller's role, or None for an anonymous user or a login without one.

    Remembered on the user object (as Django remembers permissions), so a page asking more than
    once (can_write, can_change_partner) queries once per request.
    """
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_prm_role"):
        user._prm_role = _role_of(user)
    return user._prm_role


def _role_of(user) -> str | None:
    if user.is_superuser:
        return Role.ADMIN
    if not user.is_staff:
        from partners.querysets import partner_link

        link = partner_link(user)
        return link.role if link else None
    names = {group.name for group in user.groups.all()}
    for role in (Role.MANAGER, Role.ANALYST):
        if Role.GROUP_NAMES[role] in names:
            return role
    return None


def role_group(role: str) -> Group:
    group, _ = Group.objects.get_or_create(name=Role.GROUP_NAMES[role])
    return group


MANAGE_ALL_PARTNERS = "partners.manage_all_partners"


def can_change_partner(user, partner) -> bool:
    """Whether ``user`` may change ``partner``, its contacts and its records: the one ownership rule.

    Admins change every partner; a partner manager changes the partners they own, or all of them
    when granted ``partners.manage_all_partners``; a partner admin changes its own organisation
    (what the partner portal allows); analysts, partner members and visitors change none. Every
    manager reads all partners (``Partner.objects.visible_to``) whatever this says. Owner first:
    the permission check costs two queries the first time on a user object.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    if not user.is_staff:
        from partners.querysets import partner_id_of

        return role_of(user) == Role.PARTNER_ADMIN and partner_id_of(user) == partner.pk
    if user.is_superuser:
        return True
    if role_of(user) != Role.MANAGER:
        return False
    return partner.owner_id == user.pk or user.has_perm(MANAGE_ALL_PARTNERS)
