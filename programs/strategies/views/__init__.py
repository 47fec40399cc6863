"""The manager portal's strategy pages, the outcome inbox and the partner page's panels.

Views stay thin: programs.strategies.selectors read, programs.strategies.services write, and
every page is staff-only through partners.views.access.portal_view (analysts read, admins
and partner managers write).
"""
