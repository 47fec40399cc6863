"""The audit trail of access, and ending a login's sessions (creating, deactivating and reactivating
logins: partners.users)."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from partners.models import AuditEvent


def audit_record(*, action: str, actor=None, subject=None, identifier: str = "", request=None, **data) -> AuditEvent:
    """Append one row to the audit trail."""
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        subject=subject,
        identifier=identifier[:254],
        ip_address=ip,
        data=data,
    )


def sessions_end(user) -> int:
    """Delete every unexpired session of ``user``, so none of them authenticates again, even after a
    reactivation; returns how many. Sessions are stored in the database (the default engine), which
    knows no owner: each is decoded, as Zulip does, a cost paid only when a login is deactivated or
    reactivated. Other engines cannot be searched; an inactive user is refused on every request
    anyway."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return 0
    model = store.get_model_class()
    owner = str(user.pk)
    keys = [
        session.session_key
        for session in model.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000)
        if str(store().decode(session.session_data).get(SESSION_KEY)) == owner
    ]
    for key in keys:
        store(session_key=key).delete()  # the row, and a cached copy for the cached_db engine
    return len(keys)
