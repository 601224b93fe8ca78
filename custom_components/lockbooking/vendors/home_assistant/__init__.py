"""Locks already in Home Assistant (Z-Wave JS, ZHA, Matter, Schlage): issue 22's groundwork."""
