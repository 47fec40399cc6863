"""Composable read filters; visibility lives here and nowhere else."""

from django.db import models


class PartnerQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PartnerQuerySet":
        """Staff see every partner; a partner's login sees its own organisation (unless it was
        terminated); anyone else sees none. Every read of partner data starts here."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_staff:
            return self
        partner_id = partner_id_of(user)
        if partner_id is None:
            return self.none()
        return self.filter(pk=partner_id).exclude(status="terminated")


def partner_link(user):
    """A partner login's membership (``PartnerUser`` with its partner's status), read once per
    user object; None for staff, strangers and anonymous users. Visibility, roles, the
    authentication backends and the partner portal all ask this, so a request queries it once."""
    if not user.is_authenticated or user.is_staff:
        return None
    if not hasattr(user, "_partner_link"):
        from partners.models import PartnerUser

        user._partner_link = (
            PartnerUser.objects.filter(user_id=user.pk)
            .select_related("partner")
            .only("id", "role", "partner_id", "user_id", "partner__status")
            .first()
        )
    return user._partner_link


def partner_id_of(user) -> int | None:
    """The organisation of a partner's login, or None for staff and strangers."""
    link = partner_link(user)
    return link.partner_id if link else None
