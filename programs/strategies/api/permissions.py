"""Who may read and change strategies, runs, rule kinds and outcomes through the API."""

from __future__ import annotations

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS

from partners.api.permissions import StaffReadManagersWrite
from partners.querysets import partner_id_of

PARTNERS_DO_NOT_CLOSE = (
    "Your partner manager closes these requests; once what is asked is done (e.g. the new certificate "
    "is uploaded), the next evaluation resolves it."
)


class StaffOrOwnOutcomesRead(StaffReadManagersWrite):
    """Staff as StaffReadManagersWrite. A partner's login (any role) reads the outcomes addressed to
    its organisation and changes none: outcome_list shows it only those, so anything else is not
    found (404), and a write to one it can see is refused (403) at the object, after the lookup."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user.is_authenticated and user.is_staff:
            return super().has_permission(request, view)
        if not (user.is_authenticated and partner_id_of(user) is not None):
            return False
        # a write on a detail route goes on to the lookup, so an outcome it cannot see is a 404
        return request.method in SAFE_METHODS or bool(getattr(view, "detail", False))

    def has_object_permission(self, request, view, obj) -> bool:
        if request.user.is_staff:
            return super().has_object_permission(request, view, obj)
        if request.method in SAFE_METHODS:
            return True
        raise PermissionDenied(PARTNERS_DO_NOT_CLOSE)


class StaffOnlyElseNotFound(StaffReadManagersWrite):
    """Staff as StaffReadManagersWrite. Strategies, runs and rule kinds are the vendor's own: for
    any other login their lists are refused (403), and a route naming one of them goes on to the
    lookup, where the staff-only selectors find nothing (404), as for another organisation's data."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user.is_authenticated and user.is_staff:
            return super().has_permission(request, view)
        return bool(user.is_authenticated and getattr(view, "detail", False))
