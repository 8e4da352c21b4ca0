"""Fixtures of the card-writing tests: the real PC/SC stack with the virtual SIM."""

from support.pcsc import pcscd, virtual_sim  # noqa: F401  (pytest finds fixtures by name)
