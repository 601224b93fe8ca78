"""Reservations: booking feeds and calendars, turned into stays with door codes."""
