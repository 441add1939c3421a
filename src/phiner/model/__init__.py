"""Base models, LoRA, windows over long texts and their alignment, dropout, hardware."""
