"""One router module per resource; each handler only calls the service or the core API."""
