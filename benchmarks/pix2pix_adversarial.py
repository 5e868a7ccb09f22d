"""What pix2pix's adversarial term adds (notebook 07): L1 alone vs L1 + adversarial (λ = 100, Isola et al.), same
networks, batch, seed and number of iterations, on super-resolution (7×7 -> 28×28) and inpainting (lower half).

Each output set (2,000 MNIST test digits the generators never saw) is measured as the paper argues: the course
classifier's agreement with the true digit and its confidence, the Fréchet distance of its features to 8,000 other
real test digits (realism), the pixel error (L1, PSNR: fidelity to this one target) and sharpness: the power at
high spatial frequencies (radius >= 7 cycles per image, the finer half of the spectrum) as a share of the target
digits' power there (1.0: as sharp as the digits they should reproduce; a blur is well below 1). Pix2pix's claim: L1 alone gives blurry
averages (high-frequency power well below real), the adversarial term restores sharp detail (closer to 1) and
realism (lower Fréchet distance), at a small cost in pixel error.

    python benchmarks/pix2pix_adversarial.py                       # both tasks, both arms (about 12 minutes on 2 cores)
    python benchmarks/pix2pix_adversarial.py --tasks inpaint --l1-weights 10 100
    python benchmarks/pix2pix_adversarial.py --table               # the table of benchmarks/pix2pix_adversarial.json

Writes benchmarks/pix2pix_adversarial.json (merged with the arms already there; radial spectra included).
"""
import argparse
import json
import time
from pathlib import Path

import gan_utils  # noqa: F401  (first: keeps TensorFlow's native log lines out)
import numpy as np
import tensorflow as tf

from gan_utils import data, metrics, spectra, translation
from gan_utils.runtime import precision_scope, seeded
from gan_utils.trainer import Trainer

HERE = Path(__file__).resolve().parent
OUT = HERE / "pix2pix_adversarial.json"
ITERATIONS = {"superres": 2_500, "inpaint": 1_500}   # notebook 07's
N_TEST, HIGH = 2_000, 7


def sharpness(images, reference_power):
    """Power at radius >= HIGH as a share of the reference's power there."""
    radii, power = spectra.radial_power_spectrum(images)
    return float(power[radii >= HIGH].sum() / reference_power[radii >= HIGH].sum()), power


def target_power():
    x_test, _ = data.load_mnist(split="test")
    return spectra.radial_power_spectrum(data.to_model_range(x_test[:N_TEST]))[1]


def measure(outputs, targets, labels, reference_features, reference_power):
    probs = metrics.classify(outputs)
    sharp, power = sharpness(outputs, reference_power)
    return {"agreement": float((probs.argmax(1) == labels).mean()), "confidence": float(probs.max(1).mean()),
            "frechet": float(metrics.frechet_distance(metrics.classifier_features(outputs), reference_features)),
            "L1": float(np.abs(outputs.astype("float64") - targets).mean()),
            "PSNR": translation.psnr(outputs, targets), "sharpness": sharp,
            "spectrum": [round(float(p), 6) for p in power]}


def run(task, adversarial, l1_weight, iterations, seed, precision):
    x_train, _ = data.load_mnist()
    x_test, y_test = data.load_mnist(split="test")
    targets, labels = data.to_model_range(x_test[:N_TEST]), y_test[:N_TEST]
    reference = data.to_model_range(x_test[N_TEST:])
    reference_power = target_power()
    with precision_scope(precision) as policy, seeded(seed, deterministic=True):
        steps = translation.make_translation_steps(f"pix2pix-{task}", seed=seed, l1_weight=l1_weight,
                                                   adversarial=adversarial)
        began = time.perf_counter()
        Trainer(steps, seed=seed).fit(x_train, iterations=iterations, batch_size=32)
        seconds = time.perf_counter() - began
        source = translation.make_input(tf.constant(targets), task).numpy()
        outputs = steps.generator.predict(source, batch_size=500, verbose=0)
    row = measure(outputs, targets, labels, metrics.classifier_features(reference), reference_power)
    return {"task": task, "arm": f"L1 x{l1_weight:g}" + (" + adversarial" if adversarial else ""),
            "l1_weight": l1_weight, "adversarial": adversarial, "iterations": iterations, "batch": 32, "seed": seed,
            "precision": policy, "seconds": round(seconds, 1), **row}


def baselines(task):
    """The input itself (bicubic from 7×7; the masked digit) and real test digits, measured the same way."""
    x_test, y_test = data.load_mnist(split="test")
    targets, labels = data.to_model_range(x_test[:N_TEST]), y_test[:N_TEST]
    reference = data.to_model_range(x_test[N_TEST:])
    reference_power = target_power()
    features = metrics.classifier_features(reference)
    source = translation.make_input(tf.constant(targets), task).numpy()
    return [{"task": task, "arm": name, **measure(images, targets, labels, features, reference_power)}
            for name, images in (("input (no model)", source), ("target digits", targets))]


def table(rows):
    columns = ("agreement", "confidence", "frechet", "L1", "PSNR", "sharpness")
    print(f"{'task':>9} {'arm':>26} {'its':>6}" + "".join(f"{c:>11}" for c in columns))
    for r in rows:
        print(f"{r['task']:>9} {r['arm']:>26} {r.get('iterations', ''):>6}" + "".join(f"{r[c]:>11.3f}" for c in columns))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", nargs="+", default=list(ITERATIONS), choices=list(ITERATIONS))
    parser.add_argument("--l1-weights", nargs="+", type=float, default=[100.0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--iterations", type=int, default=None, help="default: notebook 07's (2,500 / 1,500)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--table", action="store_true", help="print the stored table, train nothing")
    args = parser.parse_args()
    stored = json.loads(args.out.read_text()) if args.out.exists() else []
    if not args.table:
        for task in args.tasks:
            new = baselines(task)
            for l1_weight in args.l1_weights:
                for adversarial in (False, True):
                    row = run(task, adversarial, l1_weight, args.iterations or ITERATIONS[task], args.seed,
                              args.precision)
                    print(json.dumps({k: v for k, v in row.items() if k != "spectrum"}), flush=True)
                    new.append(row)
            keys = {(r["task"], r["arm"], r.get("seed")) for r in new}
            stored = [r for r in stored if (r["task"], r["arm"], r.get("seed")) not in keys] + new
            args.out.write_text(json.dumps(stored, indent=1))
    table(stored)


if __name__ == "__main__":
    main()
