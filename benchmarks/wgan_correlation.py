"""Does the loss say how good the samples are? The WGAN paper's practical claim (Arjovsky et al. 2017, figs. 3-4):
the critic's estimate of the Wasserstein distance falls as the samples improve, while a standard GAN's
discriminator loss says nothing about quality. Measured on MNIST with the MLP networks of 01/03 (the paper's
fig. 4 also uses an MLP): WGAN-GP (Gulrajani et al.: λ 10, 5 critic steps, Adam 1e-4, β (0.5, 0.9)) and the
standard non-saturating GAN (Adam 2e-4, β1 0.5), batch 64, one seed. Every ``--every`` generator iterations: the
Fréchet distance and the mean classifier confidence of 1,000 samples, beside the mean of the training signal over
those iterations (the critic's W estimate; D's loss). Reported: Spearman rank correlations across checkpoints.

    python benchmarks/wgan_correlation.py                      # both arms, 1,500 generator iterations each
    python benchmarks/wgan_correlation.py --iterations 300 --every 30

Writes benchmarks/wgan_correlation.json.
"""
import argparse
import json
import time
from pathlib import Path

import gan_utils  # noqa: F401  (first: keeps TensorFlow's native log lines out)
import keras
import numpy as np
from scipy.stats import spearmanr

from gan_utils import data, models
from gan_utils.callbacks import QualityMeter, signal_at_checks
from gan_utils.runtime import precision_scope, seeded
from gan_utils.train import GANSteps
from gan_utils.trainer import Trainer

HERE = Path(__file__).resolve().parent


def run(arm, iterations, every, seed, x_train):
    with precision_scope("float32"), seeded(seed, deterministic=True):
        g, d = models.build_mlp_generator(), models.build_mlp_discriminator()
        if arm == "wgan_gp":
            opt = lambda: keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)  # noqa: E731
            steps, d_steps, signal = GANSteps(g, d, opt(), opt(), loss="wasserstein", gp_weight=10.0, seed=seed), 5, "w_estimate"
        else:
            opt = lambda: keras.optimizers.Adam(2e-4, beta_1=0.5)  # noqa: E731
            steps, d_steps, signal = GANSteps(g, d, opt(), opt(), seed=seed), 1, "d_loss"
        meter = QualityMeter(n=1000, every_iterations=every)
        trainer = Trainer(steps, d_steps=d_steps, seed=seed)
        began = time.perf_counter()
        trainer.fit(x_train, batch_size=64, iterations=iterations, callbacks=[meter])
        seconds = time.perf_counter() - began
    checkpoints = signal_at_checks(trainer.history[signal], meter.records, every)
    return {"arm": arm, "signal": signal, "iterations": iterations, "every": every, "seed": seed,
            "seconds": round(seconds, 1), "checkpoints": checkpoints,
            "spearman_signal_fid": float(spearmanr(checkpoints["signal"], checkpoints["fid"])[0]),
            "spearman_signal_confidence": float(spearmanr(checkpoints["signal"], checkpoints["mean_confidence"])[0])}


def plot(results, path):
    """Training signal (left axis) and Fréchet distance (right axis) over the checkpoints, one panel per arm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = {r["arm"]: r for r in results["runs"]}
    titles = {"wgan_gp": "WGAN-GP: critic's W estimate", "standard": "standard GAN: D's loss"}
    fig, axes = plt.subplots(1, len(runs), figsize=(11, 3.8), layout="constrained")
    for ax, (arm, r) in zip(axes, runs.items()):
        c = r["checkpoints"]
        ax.plot(c["iteration"], c["signal"], "o-", ms=3, color="C0", label=r["signal"])
        ax.set_xlabel("generator iteration"); ax.set_ylabel(r["signal"], color="C0")
        right = ax.twinx()
        right.plot(c["iteration"], c["fid"], "s--", ms=3, color="C3", label="Fréchet distance")
        right.set_ylabel("Fréchet distance (1,000 samples)", color="C3")
        ax.set_title(f"{titles.get(arm, arm)}\nSpearman with the Fréchet distance {r['spearman_signal_fid']:+.2f}")
    fig.savefig(path, dpi=100)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arms", default="wgan_gp,standard")
    parser.add_argument("--iterations", type=int, default=1500)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "wgan_correlation.json")
    parser.add_argument("--plot", action="store_true", help="draw benchmarks/wgan_correlation.png from --out and stop")
    args = parser.parse_args()
    results = json.loads(args.out.read_text()) if args.out.exists() else {"runs": []}
    if args.plot:
        print(plot(results, HERE / "wgan_correlation.png").relative_to(HERE.parent))
        return
    x_train, _ = data.load_mnist()
    for arm in args.arms.split(","):
        r = run(arm, args.iterations, args.every, args.seed, x_train)
        print(f"{arm:>9}: {r['iterations']} generator iterations in {r['seconds']:.0f} s; Spearman({r['signal']}, FD) "
              f"{r['spearman_signal_fid']:+.2f}, Spearman({r['signal']}, confidence) {r['spearman_signal_confidence']:+.2f}; "
              f"last FD {r['checkpoints']['fid'][-1]:.1f}, confidence {r['checkpoints']['mean_confidence'][-1]:.3f}",
              flush=True)
        results["runs"] = [x for x in results["runs"] if (x["arm"], x["seed"]) != (arm, args.seed)] + [r]
        args.out.write_text(json.dumps(results))


if __name__ == "__main__":
    main()
