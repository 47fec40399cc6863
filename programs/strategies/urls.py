"""Strategy pages and the outcome inbox (names are global, like partners.urls)."""

from django.urls import path

from programs.strategies.views import editor, inbox, strategy_pages

urlpatterns = [
    path("strategies/", strategy_pages.strategies, name="strategy-list"),
    path("strategies/<int:pk>/", strategy_pages.strategy_detail, name="strategy-detail"),
    path("strategies/<int:pk>/edit/", editor.strategy_edit, name="strategy-edit"),
    path("strategies/<int:pk>/run/", strategy_pages.strategy_run, name="strategy-run"),
    path("strategies/runs/<int:run_id>/", strategy_pages.run_detail, name="run-detail"),
    path("strategies/runs/<int:run_id>/progress/", strategy_pages.run_progress, name="run-progress"),
    path("strategies/runs/<int:run_id>/cancel/", strategy_pages.run_stop, name="run-cancel"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:outcome_id>/close/", inbox.outcome_close_view, name="outcome-close"),
    path("inbox/<int:outcome_id>/apply/", inbox.outcome_apply_view, name="outcome-apply"),
]
