"""`python -m woo3d.docs [write|check|screenshots]`: the same as `woo3d docs …`."""

import sys

from woo3d.cli import main

main(["docs", *sys.argv[1:]], prog_name="woo3d")
