"""Demo presets, sandbox reset and sandbox-only routes."""
