"""One module per `python -m devstack` command."""
