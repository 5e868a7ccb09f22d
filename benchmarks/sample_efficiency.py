"""DCGAN sample efficiency: digit quality against the number of training images seen, for any recipe as an arm.

    python benchmarks/sample_efficiency.py --arm recipe --seeds 0 1 2          # the recipe before issue 36 (the defaults)
    python benchmarks/sample_efficiency.py --arm tutorial --seeds 0 --batch-size 256 --g-lr 1e-4 --d-lr 1e-4 \\
        --beta1 0.9 --simultaneous --ema none                                   # the TensorFlow tutorial's settings
    python benchmarks/sample_efficiency.py --arm b32-lr4e-4-nodrop-mbstd --seeds 0 1 2 --batch-size 32 \\
        --g-lr 4e-4 --d-lr 4e-4 --d-dropout 0 --mbstd                          # make_trainer("dcgan") since issue 36
    python benchmarks/sample_efficiency.py --plot recipe tutorial ...          # sample_efficiency.png (these arms) + the table

Each arm trains ``make_trainer("dcgan")``'s networks and loop (the tutorial's generator, fused kernels, the precision
``auto`` picks) from a fresh start for ``--images`` training images (120,000 = two epochs of MNIST by default). The
options' defaults are the DCGAN recipe before issue 36 (batch 64, Adam 2e-4 / β1 0.5, moving average 0.999, the
tutorial's discriminator with dropout 0.3); each option changes one lever: learning rates and β1 of both Adam
optimizers, batch size, the moving average's decay (``none``: no moving average), one-sided label smoothing, the
simultaneous step, and the discriminator's filters, dropout, a minibatch standard deviation (ProGAN) and
DiffAugment's translation and cutout. Every ``--every-images`` images (6,400) it scores the raw generator and its
moving average on ``--n`` samples with the course classifier (mean confidence, smallest digit share, Fréchet
distance); the scoring does not count in the training clock. Progress is measured in images, not minutes: machines
differ several-fold, images do not. The clock is recorded too, for the plot's second axis ("minutes on this machine").

Results: benchmarks/sample_efficiency.json (one entry per arm and seed, with its command). Run it alone.
"""
import argparse
import dataclasses
import json
import time
from pathlib import Path

import gan_utils  # noqa: F401  (first: keeps TensorFlow's native log lines out)
import numpy as np

from gan_utils import recipes
from gan_utils.callbacks import QualityMeter
from gan_utils.data import load_mnist
from gan_utils.metrics import meets_quality_bar
from gan_utils.runtime import precision_scope, resolve_precision, seeded

OUT = Path(__file__).with_name("sample_efficiency.json")
BARS = {"recognisable": 0.8, "bar02": 0.9}   # mean confidence; every digit >= 5 % for both (metrics.meets_quality_bar)
GOALS = {"recognisable": 30_000, "bar02": 120_000}   # images, issue 36


def first_images(records, bar, key=None):
    """Images seen at the first check that meets ``bar`` (None: never)."""
    for r in records:
        if meets_quality_bar(r[key] if key else r, bar):
            return r["images"]
    return None


def discriminator_builder(args):
    """The DCGAN discriminator with this run's levers: ``--d-filters``, ``--d-dropout``, ``--mbstd`` (ProGAN's minibatch standard
    deviation before the logit), ``--diffaug`` (DiffAugment: the same random, differentiable translation and cutout
    for real and generated images, in both players' steps; Zhao et al. 2020)."""
    import keras

    from gan_utils.models import IMAGE_SHAPE, build_dcgan_discriminator

    def build():
        d = build_dcgan_discriminator(filters=tuple(args.d_filters), dropout=args.d_dropout, minibatch_std=args.mbstd)
        if not args.diffaug:
            return d
        image = keras.Input(IMAGE_SHAPE, name="image")
        return keras.Model(image, d(DiffAugment(args.diffaug.split(","))(image)), name="dcgan_discriminator")
    return build


def _diffaugment_layer():
    import keras
    import tensorflow as tf

    class DiffAugment(keras.layers.Layer):
        """Translation by up to 1/8 of the side (zero padding) and cutout of a square of half the side, a fresh draw
        per image, active only in training (DiffAugment's ``translation`` and ``cutout`` policies)."""

        def __init__(self, policies, **kwargs):
            super().__init__(**kwargs)
            unknown = set(policies) - {"translation", "cutout"}
            if unknown:
                raise SystemExit(f"--diffaug: unknown policies {sorted(unknown)}; use translation and/or cutout.")
            self.policies = list(policies)

        def get_config(self):
            return {**super().get_config(), "policies": self.policies}

        def call(self, x, training=False):
            if not training:
                return x
            n, h, w = tf.shape(x)[0], x.shape[1], x.shape[2]
            if "translation" in self.policies:
                p = h // 8
                padded = tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]])   # zeros, as DiffAugment pads
                dy = tf.random.uniform([n], 0, 2 * p + 1, dtype=tf.int32)
                dx = tf.random.uniform([n], 0, 2 * p + 1, dtype=tf.int32)
                rows = dy[:, None] + tf.range(h)[None]          # (n, h)
                cols = dx[:, None] + tf.range(w)[None]          # (n, w)
                x = tf.gather(padded, rows, axis=1, batch_dims=1)
                x = tf.gather(x, cols, axis=2, batch_dims=1)
            if "cutout" in self.policies:
                s = h // 2                                      # a square of half the side, centred at (cy, cx)
                cy = tf.random.uniform([n, 1, 1], 0, h + 1 - s % 2, dtype=tf.int32)
                cx = tf.random.uniform([n, 1, 1], 0, w + 1 - s % 2, dtype=tf.int32)
                yy, xx = tf.meshgrid(tf.range(h), tf.range(w), indexing="ij")
                dy, dx = yy[None] - cy + s // 2, xx[None] - cx + s // 2
                inside = (dy >= 0) & (dy < s) & (dx >= 0) & (dx < s)
                x = x * tf.cast(~inside[..., None], x.dtype)     # zeroed, as DiffAugment does
            return x

    return DiffAugment


def DiffAugment(policies):  # noqa: N802 (a layer)
    return _diffaugment_layer()(policies)


def run(args, seed, images):
    from gan_utils import models

    recipe = dataclasses.replace(recipes.RECIPES["dcgan"], g_optimizer=recipes.adam(args.g_lr, args.beta1),
                                 d_optimizer=recipes.adam(args.d_lr, args.beta1), discriminator_options=None)
    ema = None if args.ema == "none" else float(args.ema)
    saved, saved_builders = recipes.RECIPES["dcgan"], models.GAN_BUILDERS["dcgan"]
    recipes.RECIPES["dcgan"] = recipe
    if args.mbstd or args.diffaug or tuple(args.d_filters) != (64, 128) or args.d_dropout != 0.3:
        models.GAN_BUILDERS["dcgan"] = (saved_builders[0], discriminator_builder(args))
    try:
        with precision_scope(resolve_precision("auto")) as precision, seeded(seed, deterministic=True):
            trainer = recipes.make_trainer("dcgan", seed=seed, ema_decay=ema, simultaneous=args.simultaneous)
            if args.label_smoothing:
                trainer.steps.d_loss_fn = _smoothed(trainer.steps, args.label_smoothing)
            every = max(1, round(args.every_images / args.batch_size))
            iterations = -(-args.images // args.batch_size)
            meter = QualityMeter(n=args.n, every_iterations=every)
            started = time.perf_counter()
            trainer.fit(images, batch_size=args.batch_size, iterations=iterations, callbacks=[meter])
            wall = time.perf_counter() - started
    finally:
        recipes.RECIPES["dcgan"], models.GAN_BUILDERS["dcgan"] = saved, saved_builders
    records = [{**r, "images": r["iteration"] * args.batch_size} for r in meter.records]
    out = {"arm": args.arm, "seed": seed, "precision": str(precision), "batch_size": args.batch_size,
           "iterations": iterations, "wall_seconds": round(wall, 1),
           "training_seconds": records[-1]["seconds"], "images_per_second": round(records[-1]["images"] / records[-1]["seconds"], 1),
           "command": command(args, seed), "records": records}
    for name, bar in BARS.items():
        out[f"raw_first_images_{name}"] = first_images(records, bar)
        if ema:
            out[f"ema_first_images_{name}"] = first_images(records, bar, "ema")
    return out


def _smoothed(steps, smoothing):
    import functools

    from gan_utils.losses import minimax_discriminator_loss
    if steps.loss.discriminator is not minimax_discriminator_loss:
        raise SystemExit("--label-smoothing needs the cross-entropy loss (the DCGAN recipe's).")
    return functools.partial(minimax_discriminator_loss, label_smoothing=smoothing)


def command(args, seed):
    skip = {"seeds", "plot", "table", "out"}
    parts = [f"--{k.replace('_', '-')}" + ("" if v is True else " " + (" ".join(map(str, v)) if isinstance(v, list) else str(v)))
             for k, v in vars(args).items() if k not in skip and v is not False and v is not None and v != ""]
    return "python benchmarks/sample_efficiency.py " + " ".join(parts) + f" --seeds {seed}"


def load():
    return json.loads(OUT.read_text()) if OUT.exists() else {"runs": []}


def save(results):
    OUT.write_text(json.dumps(results, indent=1))


def main():
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arm")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--images", type=int, default=120_000)
    parser.add_argument("--every-images", type=int, default=6_400)
    parser.add_argument("--n", type=int, default=5_000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--g-lr", type=float, default=2e-4)
    parser.add_argument("--d-lr", type=float, default=2e-4)
    parser.add_argument("--beta1", type=float, default=0.5)
    parser.add_argument("--ema", default="0.999")
    parser.add_argument("--label-smoothing", type=float, default=0.0)
    parser.add_argument("--simultaneous", action="store_true")
    parser.add_argument("--d-filters", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--d-dropout", type=float, default=0.3)
    parser.add_argument("--mbstd", action="store_true")
    parser.add_argument("--diffaug", default="", help="comma-separated: translation, cutout")
    parser.add_argument("--plot", nargs="+", metavar="ARM", help="plot these arms ('all': every arm) and print the table")
    parser.add_argument("--table", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT, help="results file (default: %(default)s)")
    args = parser.parse_args()
    OUT = args.out
    if args.plot or args.table:
        results = load()
        if args.plot:
            keep = args.plot if args.plot != ["all"] else sorted({r["arm"] for r in results["runs"]})
            return plot({"runs": [r for r in results["runs"] if r["arm"] in keep]}, table(results))
        return print(table(results))
    if not args.arm:
        parser.error("give --arm NAME (or --plot / --table)")
    images, _ = load_mnist()
    for seed in args.seeds:
        result = run(args, seed, images)
        results = load()
        results["runs"] = [r for r in results["runs"] if (r["arm"], r["seed"]) != (args.arm, seed)] + [result]
        save(results)
        last = result["records"][-1]
        ema = last.get("ema", {})
        print(f"{args.arm} seed {seed}: {result['iterations']} iterations, {result['images_per_second']:.0f} images/s; "
              f"at {last['images']:,} images raw {last['mean_confidence']:.3f} / {last['min_class_share']:.3f} / "
              f"FD {last['fid']:.1f}" + (f", EMA {ema['mean_confidence']:.3f} / {ema['min_class_share']:.3f} / "
                                          f"FD {ema['fid']:.1f}" if ema else "")
              + "; first images at 0.8: " + str(result.get("ema_first_images_recognisable", result["raw_first_images_recognisable"]))
              + ", at 0.9: " + str(result.get("ema_first_images_bar02", result["raw_first_images_bar02"])), flush=True)


def _at(records, images, key=None):
    """The last check at or before ``images``."""
    rows = [r for r in records if r["images"] <= images]
    return (rows[-1][key] if key else rows[-1]) if rows else None


def table(results):
    arms = {}
    for r in results["runs"]:
        arms.setdefault(r["arm"], []).append(r)
    lines = ["| arm | seeds | images/s | confidence / smallest share at 32,000 images | at the end (120,000) "
             "| first images to 0.8 + 5 % | first images to 0.9 + 5 % |", "|---|---|---|---|---|---|---|"]
    for arm, runs in arms.items():
        key = "ema" if "ema" in runs[0]["records"][0] else None
        def cell(images):
            rows = [_at(r["records"], images, key) for r in runs]
            if any(x is None for x in rows):
                return "—"
            return ", ".join(f"{x['mean_confidence']:.2f} / {x['min_class_share']:.3f}" for x in rows)
        def first(name):
            values = [r.get(f"{key or 'raw'}_first_images_{name}") for r in runs]
            return ", ".join("never" if v is None else f"{v:,}" for v in values)
        lines.append(f"| {arm} ({'EMA' if key else 'raw'}) | {', '.join(str(r['seed']) for r in runs)} "
                     f"| {np.mean([r['images_per_second'] for r in runs]):.0f} | {cell(32_000)} | {cell(121_600)} "
                     f"| {first('recognisable')} | {first('bar02')} |")
    return "\n".join(lines)


def plot(results, full_table):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arms = {}
    for r in results["runs"]:
        arms.setdefault(r["arm"], []).append(r)
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.0), layout="constrained")
    for i, (arm, runs) in enumerate(arms.items()):
        key = "ema" if "ema" in runs[0]["records"][0] else None
        for j, run_ in enumerate(runs):
            x = [r["images"] / 1000 for r in run_["records"]]
            rows = [r[key] if key else r for r in run_["records"]]
            label = arm if j == 0 else None
            axes[0].plot(x, [r["mean_confidence"] for r in rows], "-", color=f"C{i}", alpha=0.8, label=label)
            axes[1].plot(x, [r["min_class_share"] for r in rows], "-", color=f"C{i}", alpha=0.8, label=label)
    axes[0].axhline(0.9, color="k", lw=1, ls=":")
    axes[0].axhline(0.8, color="grey", lw=1, ls=":")
    axes[1].axhline(0.05, color="k", lw=1, ls=":")
    for x in GOALS.values():
        for ax in axes:
            ax.axvline(x / 1000, color="grey", lw=0.8, ls="--")
    axes[0].set_ylabel("mean classifier confidence")
    axes[1].set_ylabel("smallest digit share")
    speed = np.median([r["images_per_second"] for runs in arms.values() for r in runs])
    for ax in axes:
        ax.set_xlabel("training images seen (thousands)")
        ax.grid(alpha=0.3)
        top = ax.secondary_xaxis("top", functions=(lambda k, s=speed: k * 1000 / s / 60,
                                                   lambda m, s=speed: m * 60 * s / 1000))
        top.set_xlabel(f"minutes on this machine (at {speed:.0f} images/s)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, frameon=False, fontsize=10)
    fig.savefig(OUT.with_suffix(".png"), dpi=100)
    print("wrote", OUT.with_suffix(".png").relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT.name)
    print(full_table)


if __name__ == "__main__":
    main()
