"""Screens every workflow shares: login, home, keys help, start-up errors."""
