"""Command line: commands parse arguments and call library functions; no logic of their own."""
