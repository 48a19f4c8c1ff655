"""@push-subscriptions: the browsers that may show the authenticated user's notifications."""
