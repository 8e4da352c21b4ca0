"""Installment rules, routes and demo data."""
