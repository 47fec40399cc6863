"""How partners are managed; each area lives in its own sub-package (strategies/ first)."""

from programs.strategies.models import (  # noqa: F401
    HealthScore,
    Outcome,
    PreviewEntry,
    RunChunk,
    Strategy,
    StrategyRun,
    StrategyVersion,
)
