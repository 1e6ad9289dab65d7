"""Operator commands around the running bot: the `aftercare` CLI, doctor, preview, triage, backup, health, demo."""
