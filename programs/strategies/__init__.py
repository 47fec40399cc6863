"""Per-type management strategies: versioned rules run by Celery workers, producing outcomes."""
