"""django-allauth wiring: accounts are created by staff and invitations, never by sign-up."""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from prm.mail import email_queue


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def pre_login(self, request, user, **kwargs):
        """Refuse the logins of a terminated partner's users like an inactive account's."""
        from partners.backends import organisation_allows

        if user.is_active and not organisation_allows(user):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)

    def get_login_redirect_url(self, request) -> str:
        """Partner logins land on their self-service portal, staff on the manager dashboard."""
        from partners.querysets import partner_id_of

        user = request.user
        if user.is_authenticated and not user.is_staff and partner_id_of(user) is not None:
            return reverse("selfservice:home")
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render now and queue durably (an OutgoingEmail row in the surrounding transaction); a
        worker sends it after the commit, or the e-mail sweep does when the broker was down."""
        message = self.render_mail(template_prefix, email, context)
        email_queue(message)
