from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """CSV imports: upload, column mapping, a dry run, then the import itself as a background job."""

    name = "partners.imports"
    label = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        from partners.imports import kinds  # noqa: F401  (registers the partner and contact row schemas)
        from partners.imports.events import register

        register()
