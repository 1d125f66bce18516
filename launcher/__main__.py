"""`python -m curvelens`: the same entry point as the `curvelens` command."""

from curvelens.cli import main

if __name__ == "__main__":
    main()
