"""plonesocial.activitystream: activities, notifications and subscriptions."""
