"""The lead pages: the partner's own (partner.py, at /partner/leads/) and the manager portal's
(manager.py, at /leads/), sharing display.py's rows."""
