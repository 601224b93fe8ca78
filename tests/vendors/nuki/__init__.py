"""Tests of the nuki vendor package."""
