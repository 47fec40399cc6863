"""Effects: what a rule asks for beyond an outcome, applied by the slice that owns the records.

The engine stays ignorant of memberships and the like: a slice registers a handler for its
effect kind at start-up, and a live run hands it the chunk's effects in the transaction that
stores the chunk's outcomes, so a redelivered chunk applies nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

from programs.strategies.rules import Effect

Handler = Callable[..., None]  # handler(*, effects: list[tuple[int, Effect]], strategy_id: int, today: date)
_HANDLERS: dict[str, Handler] = {}


def register_effect_handler(kind: str, handler: Handler) -> None:
    _HANDLERS[kind] = handler


def effects_apply(*, effects: list[tuple[int, Effect]], strategy_id: int, today: date) -> None:
    """Hand each kind's (partner id, effect) pairs to its handler; an unknown kind is a bug."""
    by_kind: dict[str, list[tuple[int, Effect]]] = defaultdict(list)
    for partner_id, effect in effects:
        by_kind[effect.kind].append((partner_id, effect))
    for kind, items in by_kind.items():
        _HANDLERS[kind](effects=items, strategy_id=strategy_id, today=today)
