from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Programs and strategies"

    def ready(self) -> None:
        # programs builds on partners and plugs into it here; partners never imports programs
        from partners.events import partner_changed
        from partners.imports.kinds import register_kind
        from partners.imports.services import partners_imported
        from partners.outbox.channels import register_channel
        from partners.outbox.types import register_event_type
        from partners.panels import (
            register_dashboard_panel,
            register_partner_home_panel,
            register_partner_panel,
            register_portal_gate,
        )
        from programs.applications import notifications as application_notifications
        from programs.applications.events import EVENT_TYPES as APPLICATION_EVENT_TYPES
        from programs.applications.views.manager import application_panel
        from programs.certifications import notifications as certification_notifications
        from programs.certifications.events import EVENT_TYPES as CERTIFICATION_EVENT_TYPES
        from programs.certifications.views.panels import partner_certification_panel
        from programs.deals import notifications as deal_notifications
        from programs.deals.events import EVENT_TYPES as DEAL_EVENT_TYPES
        from programs.deals.views.dashboard import partner_pipeline_panel, pipeline_panel
        from programs.leads.events import register as register_lead_events
        from programs.leads.imports import LeadImport
        from programs.onboarding import notifications as onboarding_notifications
        from programs.onboarding.events import EVENT_TYPES as ONBOARDING_EVENT_TYPES
        from programs.onboarding.services import onboarding_events_handle
        from programs.onboarding.views import panels as onboarding_panels
        from programs.strategies.effects import register_effect_handler
        from programs.strategies.views.partner_panels import partner_home_panel, partner_page_panel
        from programs.tiers import notifications as tier_notifications
        from programs.tiers.events import EVENT_TYPES as TIER_EVENT_TYPES
        from programs.tiers.services import tier_evaluations_apply
        from programs.tiers.views.panels import partner_memberships_panel
        from programs.tiers.views.partner import partner_home_tiers_panel

        partner_changed.connect(_reevaluate, dispatch_uid="programs.reevaluate_changed_partner")
        partners_imported.connect(_reevaluate_imported, dispatch_uid="programs.reevaluate_imported_partners")
        register_partner_panel("strategies", partner_page_panel)
        register_partner_panel("deals", partner_pipeline_panel)
        register_partner_panel("certifications", partner_certification_panel)
        register_partner_home_panel("strategies", partner_home_panel)
        register_partner_panel("tiers", partner_memberships_panel)
        register_partner_home_panel("tiers", partner_home_tiers_panel)
        register_dashboard_panel("deals", pipeline_panel)
        register_dashboard_panel("applications", application_panel)
        register_event_type(
            "outcome.created", "A strategy concluded something about a partner: a task, alert, request…"
        )
        register_event_type("outcome.closed", "An outcome was done, dismissed, applied, resolved or expired.")
        register_event_type("run.finished", "A strategy run ended (succeeded, failed or cancelled), with its counts.")
        for name, description in DEAL_EVENT_TYPES.items():
            register_event_type(name, description)
        for name, description in CERTIFICATION_EVENT_TYPES.items():
            register_event_type(name, description)
        register_lead_events()
        register_kind(LeadImport())  # partners never import programs: the kind is registered from here
        deal_notifications.register()
        for name, description in TIER_EVENT_TYPES.items():
            register_event_type(name, description)
        tier_notifications.register()
        register_effect_handler("tier_evaluation", tier_evaluations_apply)
        certification_notifications.register()
        for name, description in APPLICATION_EVENT_TYPES.items():
            register_event_type(name, description)
        application_notifications.register()
        # a request to a partner is resolved by what the partner does (an upload, a recorded review)
        register_channel("strategies", _resolve_partner_requests)
        # agreements and onboarding: the portal waits for the agreement a program requires; a
        # partner entering onboarding gets its checklist, whose automatic items follow events
        register_portal_gate("agreement", onboarding_panels.agreement_gate)
        register_partner_panel("onboarding", onboarding_panels.partner_page_panel)
        register_partner_home_panel("onboarding", onboarding_panels.partner_home_panel)
        for name, description in ONBOARDING_EVENT_TYPES.items():
            register_event_type(name, description)
        onboarding_notifications.register()
        register_channel("onboarding", onboarding_events_handle)


def _reevaluate(sender, partner_id: int, **kwargs) -> None:
    from programs.strategies.services import partner_changed

    partner_changed(partner_id=partner_id)


def _reevaluate_imported(sender, partner_ids: list[int], **kwargs) -> None:
    from programs.strategies.services import partners_reevaluate_many

    if partner_ids:
        partners_reevaluate_many(partner_ids=partner_ids)


def _resolve_partner_requests(events: list) -> None:
    from programs.strategies.services import partner_requests_resolve

    partner_requests_resolve(events=events)
