"""``python -m phiner`` and the ``phiner`` console script."""
from phiner.cli import main

if __name__ == "__main__":
    main()
