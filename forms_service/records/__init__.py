"""Records over time: retention and purging, and subject access exports."""
