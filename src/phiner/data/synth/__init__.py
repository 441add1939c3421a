"""Generated training text: key: value scenarios and free-text notes."""
