"""The `phiner` command line."""
