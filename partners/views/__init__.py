"""The manager portal: dashboard, partner list and CSV export, partner page and its edits.

Views stay thin: forms validate the shape, partners.selectors read (starting from
``Partner.objects.visible_to(user)``), partners.services write. Every page is for staff
only; anyone else, like a partner the user may not see, gets a 404. Only admins and
partner managers write; analysts see the same pages read-only and get a 403 on writes.
"""
