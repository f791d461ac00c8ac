"""The local authority's side: the inbox, checks and decisions, outcomes, and the notices it issues."""
