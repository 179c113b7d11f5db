"""Domain-free helpers the domains of content-svc share."""
