"""The certification pages: manager (manager.py), partner (partner.py), the partner page's panel (panels.py)."""
