from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from partners.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for an existing user and print its key alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the user's username or e-mail address")
        parser.add_argument("--name", default="", help="a label to tell the token apart")
        parser.add_argument(
            "--expires-days", type=int, default=None, help="lifetime in days (default: API_TOKEN_TTL_DAYS)"
        )

    def handle(self, *args, username, name, expires_days, **options):
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be 1 or more.")
        users = get_user_model().objects.filter(username=username) or get_user_model().objects.filter(
            email__iexact=username
        )
        user = users.first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is deactivated.")
        token, key = api_token_create(user=user, name=name, expires_days=expires_days)
        expiry = token.expiry.isoformat() if token.expiry else "never"
        self.stdout.write(f"Token {token.token_key}… for {user.email or user.username}, expires {expiry}:")
        self.stdout.write(key)
