"""Tests for reservations."""
