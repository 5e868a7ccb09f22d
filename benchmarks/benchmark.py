"""Training throughput of the course's steps vs the TensorFlow DCGAN tutorial's, measured side by side.

Usage: python benchmarks/benchmark.py [--repeats 3] [--steps 8]
Prints images/s (median of repeats, after warm-up), the ratio to the tutorial's step, the estimated
GFLOP/s of each DCGAN variant and the fraction of this machine's measured matmul peak. Run it alone:
the numbers mean nothing while another heavy process shares the CPU.
"""
import argparse
import statistics
import time

import gan_utils
import keras
import tensorflow as tf

from gan_utils.data import load_mnist, make_dataset
from gan_utils.models import build_dcgan_discriminator, build_dcgan_generator
from gan_utils.recipes import make_trainer
from gan_utils.train import GANSteps

BATCH = 256


def tutorial_step_fn():
    """The TF DCGAN tutorial's train_step, rewritten: two tapes, one generator call, BinaryCrossentropy
    from logits, Adam 1e-4, fixed BATCH_SIZE noise, D called separately on real and fake."""
    generator, discriminator = build_dcgan_generator(), build_dcgan_discriminator()
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt, d_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)

    @tf.function
    def train_step(images):
        noise = tf.random.normal([BATCH, 100])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated, training=True)
            gen_loss = bce(tf.ones_like(fake_output), fake_output)
            disc_loss = bce(tf.ones_like(real_output), real_output) + bce(tf.zeros_like(fake_output), fake_output)
        g_opt.apply_gradients(zip(gen_tape.gradient(gen_loss, generator.trainable_variables), generator.trainable_variables))
        d_opt.apply_gradients(zip(disc_tape.gradient(disc_loss, discriminator.trainable_variables), discriminator.trainable_variables))

    return train_step, generator


def course_step_fn(name, simultaneous=False, fused=True):
    """One Algorithm-1 iteration of the course (d_steps discriminator steps, one generator step),
    or with ``simultaneous=True`` one joint update (the tutorial's scheme, k = 1). ``fused=False``:
    plain Keras BatchNormalization, Dropout and Adam instead of those of ``gan_utils.fast``."""
    trainer = make_trainer(name, fused=fused)
    steps, k = trainer.steps, trainer.d_steps
    if simultaneous:
        joint = GANSteps(steps.generator, steps.discriminator, steps.g_optimizer, steps.d_optimizer, simultaneous=True)

        def step(images, labels):
            float(joint.joint_step(images)["g_loss"])

        return step, 1

    def step(images, labels):
        for _ in range(k):
            logs = steps.d_step(images, labels) if steps.conditional else steps.d_step(images)
        logs.update(steps.g_step(tf.shape(images)[0]))
        float(logs["g_loss"])  # the trainer reads the metrics every step; so do we

    return step, k


def interleaved_throughput(variants, batches, warmup=3, steps=10, repeats=5):
    """Images/s per variant: the median of ``repeats`` timed runs of ``steps`` calls each, after ``warmup``
    calls. The repeats go round-robin over the variants, so a drift in this machine's speed (it varies by
    up to 30 % over minutes) hits every variant alike. ``variants``: name -> (step, calls per repeat)."""
    it = iter(batches)
    for step, _ in variants.values():
        for _ in range(warmup):
            step(*next(it))
    rates = {name: [] for name in variants}
    for _ in range(repeats):
        for name, (step, calls) in variants.items():
            start = time.perf_counter()
            for _ in range(calls):
                step(*next(it))
            rates[name].append(calls * BATCH / (time.perf_counter() - start))
    return {name: statistics.median(r) for name, r in rates.items()}


def matmul_peak(dtype, n=2048, repeats=10):
    a = tf.random.normal((n, n), dtype=tf.float32)
    a = tf.cast(a, dtype)
    f = tf.function(lambda x: tf.matmul(x, x))
    f(a).numpy()
    start = time.perf_counter()
    for _ in range(repeats):
        out = f(a)
    out.numpy()
    return 2 * n ** 3 * repeats / (time.perf_counter() - start) / 1e9


def dcgan_flops_per_image():
    """Forward FLOPs of G and D per image (2 per multiply-add), from the layer shapes."""
    def conv(k, cin, cout, h, w):
        return 2 * k * k * cin * cout * h * w

    g = 2 * 100 * 7 * 7 * 256 + conv(5, 256, 128, 7, 7) + conv(5, 128, 64, 7, 7) + conv(5, 64, 1, 14, 14)
    d = conv(5, 1, 64, 14, 14) + conv(5, 64, 128, 7, 7) + 2 * 7 * 7 * 128
    return g, d


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    gan_utils.set_seed(0)
    images, labels = load_mnist()
    data = make_dataset(images, labels, batch_size=BATCH, seed=0).repeat()
    g_fwd, d_fwd = dcgan_flops_per_image()
    # backward ~ 2x forward. Tutorial: G fwd+bwd, D fwd+bwd on real and fake.
    tutorial_flops = 3 * (g_fwd + 2 * d_fwd)
    # Course (Algorithm 1, fresh noise for each update): D step = G fwd + 3 D(real, fake);
    # G step = G fwd+bwd + D fwd+bwd (input gradients).
    course_flops = g_fwd + 3 * 2 * d_fwd + 3 * (g_fwd + d_fwd)

    # Each model keeps the dtype policy it was built under, so all variants can be built first.
    keras.mixed_precision.set_global_policy("float32")
    peak32 = matmul_peak(tf.float32)
    tutorial_step = tutorial_step_fn()[0]
    dcgan = {"DCGAN, TF tutorial step (float32)": (lambda x, y: tutorial_step(x), tutorial_flops, "float32"),
             "DCGAN, gan_utils Algorithm 1 (float32)": (course_step_fn("dcgan")[0], course_flops, "float32"),
             "DCGAN, gan_utils simultaneous (float32)": (course_step_fn("dcgan", True)[0], tutorial_flops, "float32")}
    fast = gan_utils.choose_precision("auto")
    peak_fast = matmul_peak(tf.bfloat16) if fast == "mixed_bfloat16" else peak32
    dcgan.update({
        f"DCGAN, gan_utils Algorithm 1 ({fast})": (course_step_fn("dcgan")[0], course_flops, fast),
        f"DCGAN, simultaneous, plain Keras ({fast})": (course_step_fn("dcgan", True, fused=False)[0], tutorial_flops, fast),
        f"DCGAN, gan_utils simultaneous ({fast})": (course_step_fn("dcgan", True)[0], tutorial_flops, fast)})
    others = {f"{name}, gan_utils ({fast})": course_step_fn(name) for name in ("mlp", "wgan-gp", "cgan")}
    variants = {name: (step, args.steps) for name, (step, _, _) in dcgan.items()}
    variants.update({name: (step, max(2, args.steps // k)) for name, (step, k) in others.items()})
    rates = interleaved_throughput(variants, data, steps=args.steps, repeats=args.repeats)

    tutorial = rates["DCGAN, TF tutorial step (float32)"]
    peaks = {"float32": peak32, fast: peak_fast}
    print(f"matmul peak: float32 {peak32:.0f} GFLOP/s" + (f", bfloat16 {peak_fast:.0f} GFLOP/s" if fast != "float32" else ""))
    print(f"{'variant':<44} {'images/s':>9} {'ratio':>6} {'GFLOP/s':>8} {'of peak':>8}")
    for name, (_, flops, precision) in dcgan.items():
        gflops = rates[name] * flops / 1e9
        print(f"{name:<44} {rates[name]:>9.0f} {rates[name] / tutorial:>6.2f} {gflops:>8.0f} {gflops / peaks[precision]:>8.0%}")
    for name, (_, k) in others.items():
        print(f"{name:<44} {rates[name]:>9.0f} real images/s per generator iteration "
              f"(k = {k}: {rates[name] / BATCH:.2f} iterations/s)")


if __name__ == "__main__":
    main()
