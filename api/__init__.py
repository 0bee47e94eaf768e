"""The HTTP API (``api.app.create_app``) and the ``ipledger`` command line (``api.cli``)."""
