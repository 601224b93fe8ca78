"""Tests for lockbooking."""
