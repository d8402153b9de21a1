"""The messages Passerelle sends to people, in their language."""
