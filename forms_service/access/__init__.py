"""Who may do what: accounts, sign-in and tokens, the sign-in throttle, and per-user quotas."""
