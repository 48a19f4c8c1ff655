"""Realtime: events reach the open pages through a gateway process, after commit."""
