"""Screening and testing rounds."""
