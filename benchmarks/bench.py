"""The same bench as `phiner bench`, as a script: python benchmarks/bench.py [--quick] [--json FILE] ...

Every option of `phiner bench --help` works here; see the README's speed section for a recorded run.
"""
import sys

from phiner.cli import app

if __name__ == "__main__":
    sys.exit(app(["bench", *sys.argv[1:]]))
