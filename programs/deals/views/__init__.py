"""The deal pages: the partner's own (partner.py, at /partner/deals/) and the manager portal's
(manager.py, at /deals/), sharing display.py's rows and DealFilterSet."""
