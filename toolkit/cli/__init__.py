"""Subcommands of ``python -m toolkit``, one module each (found by walking this folder)."""
