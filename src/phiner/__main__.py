"""``python -m phiner`` and the ``phiner`` console script."""

from phiner.cli.main import main

if __name__ == "__main__":
    main()
