"""Django's admin autodiscovery imports ``<app>.admin``; each slice registers its own models."""

import programs.applications.admin
import programs.certifications.admin
import programs.deals.admin
import programs.leads.admin
import programs.onboarding.admin
import programs.strategies.admin
import programs.tiers.admin  # noqa: F401
