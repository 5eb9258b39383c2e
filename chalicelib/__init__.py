"""Keepline: the company's own business phone lines, archived and handed over on offboarding."""
