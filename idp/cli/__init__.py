"""The operators' command line (`idp`)."""
