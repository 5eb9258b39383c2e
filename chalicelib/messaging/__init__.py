"""Messaging: inbound webhooks, status callbacks, sending, opt-out, business hours, voice, threads."""
