"""Exports for fast inference, each checked against PyTorch before it is written."""
