"""Admin views of strategies and their runs; strategies change by publishing versions (services)."""

from django.contrib import admin

from programs.strategies.models import HealthScore, Outcome, Strategy, StrategyRun, StrategyVersion


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Strategy)
class StrategyAdmin(ReadOnly):
    list_display = ["name", "partner_type", "is_active", "schedule", "current_version"]


@admin.register(StrategyVersion)
class StrategyVersionAdmin(ReadOnly):
    list_display = ["strategy", "number", "author", "published_at", "note"]


@admin.register(StrategyRun)
class StrategyRunAdmin(ReadOnly):
    list_display = ["id", "strategy", "version", "trigger", "dry_run", "status", "partners_evaluated", "created_at"]
    list_filter = ["status", "trigger", "dry_run"]


@admin.register(Outcome)
class OutcomeAdmin(ReadOnly):
    list_display = ["title", "partner", "strategy", "kind", "state", "due_on", "assignee"]
    list_filter = ["state", "kind", "rule_kind"]
    raw_id_fields = ["partner", "run", "assignee"]
    list_select_related = ["partner", "strategy", "assignee"]
    show_full_result_count = False


@admin.register(HealthScore)
class HealthScoreAdmin(ReadOnly):
    list_display = ["partner", "day", "score"]
    raw_id_fields = ["partner"]
