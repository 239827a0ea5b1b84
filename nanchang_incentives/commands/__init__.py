"""One module per command; each registers itself on ``cli.app``."""
