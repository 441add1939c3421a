"""Data sources: each turns an outside format into phiner records."""
