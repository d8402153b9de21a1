"""Portals (OAuth clients): the registry every protocol endpoint and page reads."""
