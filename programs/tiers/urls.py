"""The manager portal's program and tier pages (names are global, like partners.urls)."""

from django.urls import path

from programs.tiers.views import manager

urlpatterns = [
    path("programs/", manager.program_list, name="program-list"),
    path("programs/new/", manager.program_create, name="program-create"),
    path("programs/<int:program_id>/", manager.program_detail, name="program-detail"),
    path("programs/<int:program_id>/edit/", manager.program_edit, name="program-edit"),
    path("programs/<int:program_id>/tiers/", manager.program_tiers, name="program-tiers"),
    path("programs/<int:program_id>/members/", manager.program_members, name="program-members"),
    path("programs/<int:program_id>/members/add/", manager.program_member_add, name="program-member-add"),
    path("memberships/<int:membership_id>/", manager.membership_detail, name="membership-detail"),
    path("memberships/<int:membership_id>/tier/", manager.membership_change_tier, name="membership-change-tier"),
    path("tiers/proposals/", manager.proposal_list, name="tier-proposals"),
    path("tiers/proposals/badge/", manager.proposal_badge, name="tier-proposals-badge"),
    path("tiers/proposals/<int:proposal_id>/approve/", manager.proposal_approve, name="tier-proposal-approve"),
    path("tiers/proposals/<int:proposal_id>/reject/", manager.proposal_reject, name="tier-proposal-reject"),
]
