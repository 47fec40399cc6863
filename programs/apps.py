from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Programs and strategies"

    def ready(self) -> None:
        from partners.events import partner_changed

        partner_changed.connect(_reevaluate, dispatch_uid="programs.reevaluate_changed_partner")


def _reevaluate(sender, partner_id: int, **kwargs) -> None:
    from programs.strategies.triggers import partner_changed

    partner_changed(partner_id=partner_id)
