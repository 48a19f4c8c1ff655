"""@broadcasts: an administrator's message to everybody, shown at once on every open page."""
