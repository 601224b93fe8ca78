"""The demo vendor: simulated locks that need no account."""
