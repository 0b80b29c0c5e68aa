"""Reliability and security: crash, outage, concurrency, hostile input, abuse limits, privacy."""
