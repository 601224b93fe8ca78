"""igloohome locks through the iglooaccess API: the vendor, its client and code rules."""
