"""Reliability and security suite: faults, restarts, bad input, secrets and load."""
