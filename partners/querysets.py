"""Composable read filters; visibility lives here and nowhere else."""

from django.db import models


class PartnerQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PartnerQuerySet":
        """Staff see every partner; anyone else sees none (partner logins see their own, later)."""
        if user.is_authenticated and user.is_active and user.is_staff:
            return self
        return self.none()
