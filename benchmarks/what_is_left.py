"""Where the time of the fastest DCGAN step goes, and what the fused kernels win back (issue 8).

Usage: python benchmarks/what_is_left.py        (about 3 minutes; run it alone on the machine)
Times the simultaneous DCGAN step in mixed_bfloat16 with plain Keras layers and Adam, then
(ablation) with one non-matmul part removed at a time: dropout in D, BatchNorm in G, Adam (replaced
by plain SGD, one multiply-add per weight); then with one part at a time replaced by its fused
version from ``gan_utils.fast`` (same math). The time a part costs is 1 - (full / without it).
``profile_ops.py`` gives the TF profiler's per-op table; this script answers the same question by
ablation. The repeats go round-robin over the variants (see benchmark.py).
"""
import gan_utils
import keras

from gan_utils import fast
from gan_utils.data import load_mnist, make_dataset
from gan_utils.models import build_dcgan_discriminator, build_dcgan_generator
from gan_utils.train import GANSteps

import benchmark  # noqa: E402  (throughput helper and batch size)

BN, DROPOUT = keras.layers.BatchNormalization, keras.layers.Dropout


def variant_step(batch_norm=True, dropout=0.3, optimizer="adam", fused=()):
    optimizers = {"adam": lambda: keras.optimizers.Adam(2e-4, beta_1=0.5),
                  "fused adam": lambda: fast.FusedAdam(2e-4, beta_1=0.5),
                  "sgd": lambda: keras.optimizers.SGD(2e-4)}
    generator = fast.with_fused_layers(build_dcgan_generator(batch_norm=batch_norm), [k for k in fused if k is BN])
    discriminator = fast.with_fused_layers(build_dcgan_discriminator(dropout=dropout), [k for k in fused if k is DROPOUT])
    steps = GANSteps(generator, discriminator, optimizers[optimizer](), optimizers[optimizer](), simultaneous=True)

    def step(images):
        float(steps.joint_step(images)["g_loss"])

    return step


def main():
    gan_utils.set_seed(0)
    precision = gan_utils.choose_precision("auto")
    images, _ = load_mnist()
    batches = make_dataset(images, batch_size=benchmark.BATCH, seed=0).repeat().map(lambda x: (x,))
    variants = {"full step (plain Keras)": {},
                "without dropout in D": {"dropout": 0.0},
                "without BatchNorm in G": {"batch_norm": False},
                "SGD instead of Adam": {"optimizer": "sgd"},
                "without all three": {"dropout": 0.0, "batch_norm": False, "optimizer": "sgd"},
                "fused BatchNorm": {"fused": (BN,)},
                "packed dropout": {"fused": (DROPOUT,)},
                "fused Adam": {"optimizer": "fused adam"},
                "all three fused": {"fused": (BN, DROPOUT), "optimizer": "fused adam"}}
    rates = benchmark.interleaved_throughput({name: (variant_step(**kwargs), 10) for name, kwargs in variants.items()},
                                             batches)
    full = rates["full step (plain Keras)"]
    print(f"simultaneous DCGAN step, {precision}, batch {benchmark.BATCH}")
    print(f"{'variant':>24} | images/s | time saved vs the full step")
    for name, rate in rates.items():
        share = "" if rate == full else f"{1 - full / rate:+.0%}"
        print(f"{name:>24} | {rate:8.0f} | {share}")


if __name__ == "__main__":
    main()
