"""UniFi Access doors: the vendor, its console client, code rules and certificate trust."""
