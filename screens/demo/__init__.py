"""Guided tours and scenario presets (trainer)."""
