from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from partners.models import Partner
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


class StaffReadAdminsWrite(BasePermission):
    """Reference data (regions, verticals): every staff role reads, admins change it."""

    message = "Only administrators change reference data."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return False
        return request.method in SAFE_METHODS or user.is_superuser
