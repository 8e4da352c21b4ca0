"""Customer onboarding for online tobacco ordering (marketer)."""
