"""SIM stock rules, routes and demo data."""
