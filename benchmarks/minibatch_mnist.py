"""Minibatch discrimination on MNIST (03's MLP GAN): does it give digits, and more diverse ones, at the same number
of iterations as the plain GAN? Both arms: 03's networks and optimiser (MLP G 100 -> 256 -> 512 -> 1024 -> 784
tanh, MLP D 784 -> 512 -> 256 -> logit, Adam 2e-4, β1 0.5, batch 128), the same seed builds both networks, the
same data order; the only difference is D's MinibatchDiscrimination layer (50 kernels of dimension 5, Salimans
et al. 2016, §3.2) before the logit. Scored on 10,000 samples: mean classifier confidence, smallest digit share,
Fréchet distance (classifier features) and recall (Kynkäänniemi et al., k = 3, 5,000 samples vs 5,000 test digits).

    python benchmarks/minibatch_mnist.py                     # 2 arms x 3 seeds x 1,000 iterations
    python benchmarks/minibatch_mnist.py --seeds 0 --iterations 200

Writes benchmarks/minibatch_mnist.json (merged with the runs already there).
"""
import argparse
import json
import time
from pathlib import Path

import gan_utils  # noqa: F401  (first: keeps TensorFlow's native log lines out)
import keras
import numpy as np

from gan_utils import data, metrics, models, remedies
from gan_utils.runtime import precision_scope, seeded
from gan_utils.sampling import generate_digits
from gan_utils.train import GANSteps
from gan_utils.trainer import Trainer

HERE = Path(__file__).resolve().parent
BATCH, LEARNING_RATE, BETA_1 = 128, 2e-4, 0.5


def run(arm, seed, iterations, x_train, reference):
    with precision_scope("float32"), seeded(seed, deterministic=True):
        g = models.build_mlp_generator()
        d = remedies.build_minibatch_discriminator() if arm == "minibatch" else models.build_mlp_discriminator()
        steps = GANSteps(g, d, keras.optimizers.Adam(LEARNING_RATE, beta_1=BETA_1),
                         keras.optimizers.Adam(LEARNING_RATE, beta_1=BETA_1), seed=seed)
        trainer = Trainer(steps, seed=seed)
        began = time.perf_counter()
        trainer.fit(x_train, batch_size=BATCH, iterations=iterations)
        seconds = time.perf_counter() - began
        images, _ = generate_digits(g, 10_000, seed=seed)
    result = metrics.evaluate_samples(images)
    pr = metrics.precision_recall(reference, metrics.classifier_features(images[:5000]))
    h = trainer.history
    return {"arm": arm, "seed": seed, "iterations": iterations, "seconds": round(seconds, 1),
            "mean_confidence": result["mean_confidence"], "min_class_share": result["min_class_share"],
            "fid": result["fid"], "inception_score": result["inception_score"], **pr,
            "last_100_d_loss": float(np.mean(h["d_loss"][-100:])), "last_100_d_fake": float(np.mean(h["d_fake"][-100:])),
            "samples": images[:16].tolist()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arms", default="plain,minibatch")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=HERE / "minibatch_mnist.json")
    args = parser.parse_args()
    x_train, _ = data.load_mnist()
    reference = metrics.classifier_features(data.load_mnist(split="test")[0][:5000])
    results = json.loads(args.out.read_text()) if args.out.exists() else {"runs": []}
    for seed in args.seeds:
        for arm in args.arms.split(","):
            r = run(arm, seed, args.iterations, x_train, reference)
            print(f"{arm:>10} seed {seed}: confidence {r['mean_confidence']:.3f}, smallest share {r['min_class_share']:.3f}, "
                  f"FD {r['fid']:.1f}, recall {r['recall']:.3f}, precision {r['precision']:.3f}, "
                  f"D(G(z)) {r['last_100_d_fake']:.3f}, {r['seconds']:.0f} s", flush=True)
            results["runs"] = [x for x in results["runs"]
                               if (x["arm"], x["seed"], x["iterations"]) != (arm, seed, args.iterations)] + [r]
            args.out.write_text(json.dumps(results))


if __name__ == "__main__":
    main()
