"""Account opening with on-site card writing (clerk)."""
