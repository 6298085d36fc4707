"""Alerts for community staff: things that need a person to act (a fever at a gate, a positive tube)."""
