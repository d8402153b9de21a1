"""`python -m idp` is the same as the `idp` command."""

from idp.cli.main import main

main()
