"""lockbooking's benchmarks: `make bench` (or `python -m benchmarks`) prints every figure with its goal."""
