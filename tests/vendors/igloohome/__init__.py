"""Tests of the igloohome vendor package."""
