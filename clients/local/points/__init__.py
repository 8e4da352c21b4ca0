"""Points rules, routes, imports, OTP and reports."""
