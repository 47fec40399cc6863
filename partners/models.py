from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """A knox token with a label, so a user can tell its integrations apart and revoke one."""

    name = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = "API token"
        indexes = [models.Index(fields=["token_key"])]

    def __str__(self) -> str:
        return f"{self.name or 'token'} ({self.token_key}…) of {self.user}"
