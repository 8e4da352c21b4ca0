"""Account opening and card-writing rules, routes and demo data."""
