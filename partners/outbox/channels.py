"""Where events go: each channel (webhooks, notifications, …) registers a fan-out at start-up.

A fan-out receives a batch of events inside the dispatcher's transaction and writes its own
work rows (deliveries, notifications) for them. It must be idempotent — a unique constraint on
(its target, event) with ON CONFLICT DO NOTHING — because a batch that fails is fanned out again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

FanOut = Callable[[list], None]

_CHANNELS: dict[str, FanOut] = {}


def register_channel(name: str, fan_out: FanOut) -> None:
    _CHANNELS[name] = fan_out


def channels() -> Iterable[tuple[str, FanOut]]:
    return list(_CHANNELS.items())
