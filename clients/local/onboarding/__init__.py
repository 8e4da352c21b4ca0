"""Onboarding rules, routes and demo data."""
