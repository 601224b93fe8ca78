"""Tests of the Nuki Bluetooth vendor."""
