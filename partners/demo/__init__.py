"""Realistic, deterministic demo data for `manage.py seed_demo`.

Tables: ``geo`` (regions, countries, legal forms, phone formats), ``people`` (names, titles),
``companies`` (company names), ``texts`` (timeline wording) and ``mix`` (how the population is
mixed). ``draw`` has the one-draw random helpers; ``plans`` the shapes produced; ``timeline`` a
partner's history; ``generator`` turns a seed into plans without touching the database;
``pgcopy`` renders plans as COPY text; ``seeding`` writes them in one transaction.
"""
