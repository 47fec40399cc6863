"""The manager portal's lead pages (names are global, like partners.urls)."""

from django.urls import path

from programs.leads.views import manager

urlpatterns = [
    path("leads/", manager.lead_list, name="lead-list"),
    path("leads/new/", manager.lead_create, name="lead-create"),
    path("leads/manual/", manager.manual_queue, name="lead-queue"),
    path("leads/manual/badge/", manager.manual_queue_badge, name="lead-queue-badge"),
    path("leads/<int:lead_id>/", manager.lead_detail, name="lead-detail"),
    path("leads/<int:lead_id>/assign/", manager.lead_assign, name="lead-assign"),
    path("leads/<int:lead_id>/assign/partners/", manager.lead_assign_search, name="lead-assign-search"),
    path("leads/<int:lead_id>/close/", manager.lead_close, name="lead-close"),
    path("leads/routing/", manager.routing_editor, name="lead-routing"),
    path("leads/routing/rules/", manager.routing_rule_create, name="lead-rule-create"),
    path("leads/routing/rules/<int:rule_id>/", manager.routing_rule_edit, name="lead-rule-edit"),
    path("leads/routing/rules/<int:rule_id>/delete/", manager.routing_rule_delete, name="lead-rule-delete"),
    path("leads/routing/rules/<int:rule_id>/move/", manager.routing_rule_move, name="lead-rule-move"),
    path("leads/routing/weights/", manager.routing_weights, name="lead-weights"),
    path("leads/routing/capacity/", manager.routing_policies, name="lead-policies"),
]
