from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from partners.models import Partner
from partners.querysets import partner_id_of
from partners.roles import Role, can_change_partner, role_of


class StaffReadManagersWrite(BasePermission):
    """Every staff role reads; admins and partner managers write; analysts only read."""

    message = "Your role can read but not change this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return False
        return request.method in SAFE_METHODS or role_of(user) in (Role.ADMIN, Role.MANAGER)


class StaffReadPartnerChangersWrite(StaffReadManagersWrite):
    """As StaffReadManagersWrite, and a write to one partner (the partner, one of its contacts or
    records) also needs ``can_change_partner``: a manager changes the partners they own unless
    granted all. Writes that name a partner in the body (a new contact or record) call
    ``require_change`` themselves, since DRF checks objects only for detail routes."""

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        partner = obj if isinstance(obj, Partner) else obj.partner
        if not can_change_partner(request.user, partner):
            raise PermissionDenied(NOT_YOURS)
        return True


NOT_YOURS = "You can change only the partners you own; ask an administrator for access to all partners."


def require_change(user, partners) -> None:
    """Refuse (403) a write that names a partner the caller may not change, e.g. a new contact's."""
    for partner in partners:
        if not can_change_partner(user, partner):
            raise PermissionDenied(NOT_YOURS)


class ReadAllAdminsWrite(BasePermission):
    """Reference data (regions, verticals): every logged-in caller reads it, partner logins included
    (their integrations resolve the codes on their own partner); administrators change it."""

    message = "Only administrators change reference data."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or user.is_superuser


PARTNER_PROFILE_FIELDS = frozenset({"name", "legal_name", "website", "description"})


class StaffOrOwnOrganisation(StaffReadPartnerChangersWrite):
    """Staff as StaffReadPartnerChangersWrite. A partner's login reads its own organisation (the
    querysets start from ``visible_to``, so others are simply not found: 404, for every role and
    method); its partner admins also write the actions a view lists in ``partner_admin_actions`` —
    what the partner portal lets them do, no more (403 on its own objects otherwise)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user.is_authenticated and user.is_staff:
            return super().has_permission(request, view)
        if not (user.is_authenticated and partner_id_of(user) is not None):
            return False
        # a write to one object goes on to the lookup first, so another organisation's is a 404
        if request.method in SAFE_METHODS or getattr(view, "detail", False) or view.action in LOOKUP_FIRST:
            return True
        if view.action is None:  # no such method on this route: DRF answers 405
            return True
        return _partner_admin_may(user, view)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.user.is_staff:
            return super().has_object_permission(request, view, obj)
        partner_id = obj.pk if isinstance(obj, Partner) else obj.partner_id
        if partner_id != partner_id_of(request.user):
            raise NotFound()
        if request.method in SAFE_METHODS:
            return True
        return _partner_admin_may(request.user, view)


# actions that name one object in their path without being DRF detail routes
LOOKUP_FIRST = frozenset({"by_external_id"})


def _partner_admin_may(user, view) -> bool:
    return role_of(user) == Role.PARTNER_ADMIN and view.action in getattr(view, "partner_admin_actions", ())


def require_profile_fields_only(user, fields) -> None:
    """A partner's login may change its profile (name, legal name, website, description) only."""
    if user.is_staff:
        return
    forbidden = sorted(set(fields) - PARTNER_PROFILE_FIELDS)
    if forbidden:
        raise PermissionDenied(f"Partner users may not change: {', '.join(forbidden)}.")


class AdminsAndPartnerAdmins(BasePermission):
    """Who manages logins (/users/, /invitations/): administrators, and partner admins of an
    organisation that still has access; others 403. A route naming one object looks it up in the
    caller's scope first, so one outside it is a 404 for every role; a 403 only for one the caller
    sees but may not manage (a manager reading an invitation)."""

    message = "Only administrators and partner admins manage logins."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        return getattr(view, "detail", False) or self._manages_logins(user)

    def has_object_permission(self, request, view, obj) -> bool:
        return self._manages_logins(request.user)

    @staticmethod
    def _manages_logins(user) -> bool:
        role = role_of(user)
        if role == Role.ADMIN:
            return True
        return role == Role.PARTNER_ADMIN and Partner.objects.visible_to(user).exists()
