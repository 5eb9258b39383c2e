"""Carrier adapters: one module per carrier behind the interface in `base`."""
