"""The agreement and onboarding pages: the partner's own (partner.py, at /partner/agreement/ and
/partner/onboarding/), the manager portal's (manager.py, at /onboarding/), and what they add to
other pages (panels.py)."""
