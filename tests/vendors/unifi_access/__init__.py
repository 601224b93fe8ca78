"""Tests of the unifi_access vendor package."""
