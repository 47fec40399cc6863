from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        user_logged_in.connect(_logged_in, dispatch_uid="partners.audit.login")
        user_logged_out.connect(_logged_out, dispatch_uid="partners.audit.logout")
        user_login_failed.connect(_login_failed, dispatch_uid="partners.audit.login_failed")


# Django announces authentication through these signals; each only writes an audit row.


def _logged_in(sender, request, user, **kwargs) -> None:
    from partners.logins import audit_record

    audit_record(action="login", actor=user, subject=user, identifier=user.email, request=request)


def _logged_out(sender, request, user, **kwargs) -> None:
    from partners.logins import audit_record

    if user is not None:
        audit_record(action="logout", actor=user, subject=user, identifier=user.email, request=request)


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    from partners.logins import audit_record

    tried = credentials.get("email") or credentials.get("username") or credentials.get("login") or ""
    audit_record(action="login_failed", identifier=str(tried), request=request)
