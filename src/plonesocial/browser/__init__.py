"""Browser views of plonesocial (classic UI)."""
