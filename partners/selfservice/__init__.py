"""The partner self-service portal at /partner/: pages for the logins of one partner organisation."""
