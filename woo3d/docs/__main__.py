"""`python -m woo3d.docs [write|check|screenshots]`: what `woo3d docs` runs."""

from woo3d.cli.docs import docs

docs(prog_name="python -m woo3d.docs")
