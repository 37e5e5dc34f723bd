"""Reliability and security tests: nothing lost, nothing leaked, for all three targets."""
