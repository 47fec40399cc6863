"""The application pages: the public form (public.py) and the manager's queue and detail (manager.py)."""
