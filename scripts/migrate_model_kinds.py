"""Stamp the shipped models in data/pretrained/ with their kind (gan_utils/kinds.py), once.

    python scripts/migrate_model_kinds.py [--dry-run] [--dir data/pretrained]

For every ``.keras`` generator or translator without a stored kind: the kind the old detection gives
(``kinds.legacy_kind``: names and shapes), the same graph and weights saved as a ``KindedModel`` to a temporary
file, then verified before it replaces the original: the reloaded file carries the kind, its ``get_weights()``
are bit-identical to the original's, and it produces bit-identical output (``generate_digits``, 200 digits,
seed 0, for a generator; ``translate_images`` of 64 fixed random sources for a translator). A file that fails
a check is left as it was (the script says which and why, and exits 1). Files that already carry a kind are
skipped; the classifier (mnist_classifier.keras: not a generator) is left out. Running it again does nothing.
"""
import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

import gan_utils  # noqa: E402,F401  (registers the package's layers)
from gan_utils.kinds import legacy_kind, stored_kind, with_kind  # noqa: E402
from gan_utils.sampling import generate_digits, load_model_file  # noqa: E402
from gan_utils.translation import SOURCE_SIZE, translate_images  # noqa: E402

NOT_GENERATORS = {"mnist_classifier.keras"}


def outputs(model, kind):
    """What the model produces for fixed inputs (the check that it behaves the same)."""
    if kind["kind"] == "translator":
        size = SOURCE_SIZE[kind["task"]]
        sources = np.random.default_rng(0).integers(0, 256, size=(64, size, size), dtype=np.uint8)
        return translate_images(model, sources)
    images, _ = generate_digits(model, 200, seed=0)
    return images


def migrate(path, dry_run=False):
    """Returns a one-line report; raises RuntimeError when the migrated file does not verify."""
    original = keras.models.load_model(path, compile=False)
    if stored_kind(original) is not None:
        return f"{path.name}: already says it is {stored_kind(original)}; unchanged"
    kind = legacy_kind(original)
    reference = load_model_file(path)  # the legacy loading path: what `sample`/`translate` did before
    if dry_run:
        return f"{path.name}: would be stamped {kind}"
    tmp = path.with_name(path.stem + ".migrating.keras")
    try:
        with_kind(original, **kind).save(tmp)
        migrated = keras.models.load_model(tmp, compile=False)
        problems = []
        if stored_kind(migrated) != kind:
            problems.append(f"the reloaded kind is {stored_kind(migrated)}, not {kind}")
        before, after = original.get_weights(), migrated.get_weights()
        if len(before) != len(after) or any(a.dtype != b.dtype or a.shape != b.shape or
                                            a.tobytes() != b.tobytes() for a, b in zip(before, after)):
            problems.append("the weights differ")
        if not problems and not np.array_equal(outputs(reference, kind), outputs(migrated, kind)):
            problems.append("the outputs for fixed inputs differ")
        if problems:
            raise RuntimeError(f"{path.name}: not replaced: {'; '.join(problems)}")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return f"{path.name}: stamped {kind}; weights ({len(before)} arrays) and outputs verified bit-identical"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "data" / "pretrained")
    parser.add_argument("--dry-run", action="store_true", help="say what would be stamped, write nothing")
    args = parser.parse_args(argv)
    failed = 0
    for path in sorted(args.dir.glob("*.keras")):
        if path.name in NOT_GENERATORS or path.name.endswith(".migrating.keras"):
            print(f"{path.name}: not a generator or translator; left out")
            continue
        try:
            print(migrate(path, args.dry_run), flush=True)
        except RuntimeError as err:
            failed += 1
            print(err, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
