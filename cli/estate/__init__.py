"""Estates: many councils × many apps in one file, planned, rendered and tracked together."""
