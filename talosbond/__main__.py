"""`python -m talosbond`."""

from talosbond.cli import main

main()
