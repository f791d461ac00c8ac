"""Helpers for tests/test_faults.py: the service's own processes, an HTTP client, a TCP proxy."""
