"""@stream: the personal timeline on the site, the context stream on content."""
