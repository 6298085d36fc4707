"""Gates (checkpoints), passes, passages, visitors, exit quotas and the duty roster."""
