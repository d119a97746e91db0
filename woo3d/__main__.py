"""`python -m woo3d` runs the CLI."""

from woo3d.cli import main

main()
