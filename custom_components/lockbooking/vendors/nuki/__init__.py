"""Nuki locks through Nuki Web: the vendor and its HTTP client."""
