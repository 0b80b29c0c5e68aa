"""Inbound SMTP intake and outbound mail (see the intake and lifecycle issues)."""
