"""Invitations, one slice: a signed, single-use, expiring link e-mailed to a future login, or to a
login created for someone (POST /api/v1/users/) so the person sets its own password.

``models`` (Invitation, kept in the ``partners`` app), ``services`` (send, accept, withdraw,
resend), ``selectors`` (who sees which), ``api`` (/api/v1/invitations/) and ``views`` (the accept
page and the manager's partner-page actions). The partner admin's users page is in
partners.selfservice.users.
"""
