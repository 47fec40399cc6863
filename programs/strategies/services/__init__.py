"""Every write of the strategies slice, one function per use case (the modules say which part):

- ``publish``: a strategy's rules published as a new version; name, scope, schedule, active flag;
  the validation of rules and scopes every other write shares
- ``editing``: whole edits as the API and the editor submit them (create, edit, start a run)
- ``runs``: the run engine: start, plan, evaluate a chunk, finish, cancel, watch for stalls
- ``outcomes``: a manager closes an outcome or applies its recommendation
- ``requests``: what a partner does (an upload, a recorded review) resolves the requests it answers
- ``schedules`` and ``triggers``: beat's task for each strategy, and what starts runs on their own
  (a schedule, a changed partner)

Tasks, views, the API and commands import from here; the services never import them, except the
task entry points they queue (imported inside the function, since tasks import the services).
"""

from programs.strategies.services.editing import StrategyUnpublished, strategy_create, strategy_edit, strategy_start_run
from programs.strategies.services.outcomes import (
    CLOSING_STATES,
    SETTABLE_OUTCOME_STATES,
    OutcomeAddressedToPartner,
    OutcomeNotOpen,
    outcome_apply,
    outcome_close,
    outcome_set_state,
)
from programs.strategies.services.publish import rules_errors, scope_errors, strategy_publish, strategy_update
from programs.strategies.services.requests import partner_requests_resolve
from programs.strategies.services.runs import chunk_evaluate, run_cancel, run_finish, run_plan, run_start, runs_watch
from programs.strategies.services.schedules import strategy_schedule_sync
from programs.strategies.services.triggers import (
    partner_changed,
    partner_reevaluate,
    partners_reevaluate_many,
    strategy_run_scheduled,
)

__all__ = [
    "CLOSING_STATES",
    "SETTABLE_OUTCOME_STATES",
    "OutcomeAddressedToPartner",
    "OutcomeNotOpen",
    "StrategyUnpublished",
    "chunk_evaluate",
    "outcome_apply",
    "outcome_close",
    "outcome_set_state",
    "partner_changed",
    "partner_reevaluate",
    "partner_requests_resolve",
    "partners_reevaluate_many",
    "rules_errors",
    "run_cancel",
    "run_finish",
    "run_plan",
    "run_start",
    "runs_watch",
    "scope_errors",
    "strategy_create",
    "strategy_edit",
    "strategy_publish",
    "strategy_run_scheduled",
    "strategy_schedule_sync",
    "strategy_start_run",
    "strategy_update",
]
