"""Sending deliveries (TODO: being written)."""


def webhooks_send() -> int:
    return 0


def webhooks_sweep() -> int:
    return 0
