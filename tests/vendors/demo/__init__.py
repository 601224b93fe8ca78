"""Tests of the demo vendor package."""
