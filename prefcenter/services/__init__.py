"""Domain services: one module per concept, called by the thin views and the CLI."""
