"""django-allauth wiring: accounts are created by staff and invitations, never by sign-up."""

from allauth.account.adapter import DefaultAccountAdapter

from prm.mail import email_serialize
from prm.tasks import send_email


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render now, send from a worker once the surrounding transaction commits."""
        message = self.render_mail(template_prefix, email, context)
        send_email.delay_on_commit(email_serialize(message))
