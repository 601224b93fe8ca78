"""Tests for the vendors."""
