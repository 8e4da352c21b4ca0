"""Postal points redemption and issuance (cashier, supervisor)."""
