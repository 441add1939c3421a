"""What the detector (recognizers, context rules, vocabulary, term lists) costs a note, apart from the model.

    python benchmarks/detector_cost.py [--notes 300] [--repeats 3] [--seed 21]

Generates ``--notes`` notes (phiner's own generator), then times ``Detector.default().merge(text, [])`` on each,
one after another, ``--repeats`` times in this process after one untimed pass; prints the median milliseconds a
note and characters a second, and the share of the time each top-level part took in one profiled pass.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()

    from phiner.analyze.detector import Detector
    from phiner.data.synth.notes import generate_notes

    texts = [n["text"] for n in generate_notes(0, args.notes, seed=args.seed)["test"]]
    detector = Detector.default()
    for text in texts:  # untimed: imports, vocabularies and caches
        detector.merge(text, [])
    runs = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for text in texts:
            detector.merge(text, [])
        runs.append(time.perf_counter() - start)
    seconds = statistics.median(runs)
    chars = sum(map(len, texts))
    print(f"{len(texts)} notes, {chars / len(texts):.0f} characters each on average")
    print(f"median of {args.repeats}: {seconds / len(texts) * 1000:.2f} ms a note, {chars / seconds:,.0f} characters/s")

    profile = cProfile.Profile()
    profile.enable()
    for text in texts:
        detector.merge(text, [])
    profile.disable()
    stats = pstats.Stats(profile)
    total = sum(row[3] for key, row in stats.stats.items() if key[2] == "merge" and "detector" in key[0])
    parts = {
        "phone numbers (libphonenumber)": ("phonenumbermatcher.py", "__iter__"),
        "term lists (fold + automata)": ("terms.py", "find"),
        "allow lists": ("merge.py", "apply_allow"),
        "context rules": ("context.py", "find"),
        "dates and times": ("temporal.py", "find"),
    }
    for name, (file, function) in parts.items():
        spent = sum(row[3] for key, row in stats.stats.items() if key[0].endswith(file) and key[2] == function)
        print(f"  {name}: {spent / total:.0%}")


if __name__ == "__main__":
    main()
