"""Blank SIM stock: overview, transfers, batch pick-up and return (clerk)."""
