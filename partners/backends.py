"""Authentication backends that refuse logins of partners that were terminated.

``user_can_authenticate`` runs at log-in and on every request (``get_user``), so a terminated
organisation's sessions end at once, like a deactivated user's.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend


def organisation_allows(user) -> bool:
    """False for the logins of a terminated partner; staff and other logins pass."""
    from partners.models import Partner
    from partners.querysets import partner_link

    link = partner_link(user)
    return link is None or link.partner.status != Partner.Status.TERMINATED


class PartnerAwareModelBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and organisation_allows(user)


class PartnerAwareAllauthBackend(AllauthBackend):
    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and organisation_allows(user)
