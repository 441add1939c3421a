"""Run configuration, the trainer, its report (plots, metrics.json), the quickstart."""
