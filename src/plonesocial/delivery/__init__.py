"""plonesocial.delivery: notifications by email (immediately or as digests) and Web Push."""
