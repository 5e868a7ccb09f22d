"""Where the time of the fastest DCGAN step goes: an ablation profile (issue 8).

Usage: python benchmarks/what_is_left.py        (about 2 minutes; run it alone on the machine)
Times the simultaneous DCGAN step in mixed_bfloat16 (the fastest variant of benchmark.py) as it is,
then with one non-matmul part removed at a time: dropout in D, BatchNorm in G, Adam (replaced by
plain SGD, which updates in one multiply-add per weight). The time a part costs is
1 - (full throughput / throughput without it). This is not a TF-profiler per-op table (no
profiler plugin is installed here); it answers the same question by measurement.
"""
import gan_utils
import keras

from gan_utils.data import load_mnist, make_dataset
from gan_utils.models import build_dcgan_discriminator, build_dcgan_generator
from gan_utils.train import GANSteps

import benchmark  # noqa: E402  (throughput helper and batch size)


def variant_step(batch_norm=True, dropout=0.3, optimizer="adam"):
    make_opt = (lambda: keras.optimizers.Adam(2e-4, beta_1=0.5)) if optimizer == "adam" else (
        lambda: keras.optimizers.SGD(2e-4))
    steps = GANSteps(build_dcgan_generator(batch_norm=batch_norm), build_dcgan_discriminator(dropout=dropout),
                     make_opt(), make_opt(), simultaneous=True)

    def step(images):
        float(steps.joint_step(images)["g_loss"])

    return step


def main():
    gan_utils.set_seed(0)
    precision = gan_utils.choose_precision("auto")
    images, _ = load_mnist()
    batches = make_dataset(images, batch_size=benchmark.BATCH, seed=0).repeat().map(lambda x: (x,))
    variants = {"full step": {}, "without dropout in D": {"dropout": 0.0},
                "without BatchNorm in G": {"batch_norm": False}, "SGD instead of Adam": {"optimizer": "sgd"},
                "without all three": {"dropout": 0.0, "batch_norm": False, "optimizer": "sgd"}}
    rates = {name: benchmark.throughput(variant_step(**kwargs), batches) for name, kwargs in variants.items()}
    full = rates["full step"]
    print(f"simultaneous DCGAN step, {precision}, batch {benchmark.BATCH}")
    print(f"{'variant':>24} | images/s | share of the full step's time")
    for name, rate in rates.items():
        share = "" if name == "full step" else f"{1 - full / rate:+.0%}"
        print(f"{name:>24} | {rate:8.0f} | {share}")


if __name__ == "__main__":
    main()
