"""The JSON API portals call: applications registry and delegation decisions."""
