"""Services: everything that writes money or players goes through here."""
