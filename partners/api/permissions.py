from rest_framework.permissions import SAFE_METHODS, BasePermission

from partners.roles import Role, role_of


class StaffReadManagersWrite(BasePermission):
    """Every staff role reads; admins and partner managers write; analysts only read."""

    message = "Your role can read but not change this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return False
        return request.method in SAFE_METHODS or role_of(user) in (Role.ADMIN, Role.MANAGER)


class StaffReadAdminsWrite(BasePermission):
    """Reference data (regions, verticals): every staff role reads, admins change it."""

    message = "Only administrators change reference data."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return False
        return request.method in SAFE_METHODS or user.is_superuser
