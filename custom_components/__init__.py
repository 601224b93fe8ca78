"""Where Home Assistant finds custom integrations; here, lockbooking."""
