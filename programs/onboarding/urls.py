"""The manager portal's onboarding pages (names are global, like partners.urls)."""

from django.urls import path

from programs.onboarding.views import manager

urlpatterns = [
    path("onboarding/", manager.onboarding_list, name="onboarding-list"),
    path(
        "onboarding/<int:onboarding_id>/items/<int:item_id>/complete/",
        manager.onboarding_item_complete,
        name="onboarding-item-complete",
    ),
    path("onboarding/templates/", manager.template_list, name="onboarding-templates"),
    path(
        "onboarding/templates/agreements/<int:template_id>/retire/",
        manager.agreement_template_retire,
        name="agreement-template-retire",
    ),
    path("onboarding/templates/checklists/new/", manager.checklist_edit, name="checklist-add"),
    path("onboarding/templates/checklists/<int:template_id>/", manager.checklist_edit, name="checklist-edit"),
]
