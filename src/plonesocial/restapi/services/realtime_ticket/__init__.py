"""@realtime-ticket: a short-lived signed ticket the page shows to the realtime gateway."""
