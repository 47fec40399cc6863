"""REST API of strategies, runs, outcomes and rule kinds; ``register(router)`` wires it into /api/v1/."""

from programs.strategies.api.views import register

__all__ = ["register"]
