"""Known-good settings per model name, used by the command line and the notebooks.

A recipe names the loss pair, k (discriminator steps per generator step), clipping,
gradient penalty, the two optimizers, the batch size and the decay of the generator's moving
average (EMA, None: none), and options of the discriminator's builder. Introduced in 02_dcgan.ipynb (the DCGAN
recipe: Adam 4e-4 with Radford et al.'s beta_1 = 0.5 rather than the TF tutorial's 1e-4 and 0.9, batch 32, an EMA
generator, a discriminator without dropout and with a minibatch standard deviation: measured in benchmarks/README.md).
"""
import contextlib
from dataclasses import dataclass, field

import keras

from gan_utils.variants.conditional import AuxiliaryClassifierSteps
from gan_utils.core.fast import fused_optimizer
from gan_utils.core.models import build_gan
from gan_utils.core.train import GANSteps
from gan_utils.core.trainer import Trainer
from gan_utils.variants.translation import TRANSLATION_MODELS, make_translation_steps


def adam(learning_rate=2e-4, beta_1=0.5, beta_2=0.999):
    return lambda: keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2)


def rmsprop(learning_rate=5e-5):
    return lambda: keras.optimizers.RMSprop(learning_rate)


@dataclass(frozen=True)
class Recipe:
    loss: str = "non-saturating"
    d_steps: int = 1
    clip_value: float = None
    gp_weight: float = 0.0
    g_optimizer: object = field(default_factory=adam)
    d_optimizer: object = field(default_factory=adam)
    steps_class: type = GANSteps
    batch_size: int = 256
    ema_decay: float = None
    discriminator_options: dict = None   # keyword arguments of the discriminator's builder (models.build_gan)


RECIPES = {
    "mlp": Recipe(),
    # issue 36 (benchmarks/README.md, "Sample efficiency"): batch 32, Adam 4e-4 (β1 0.5) for both players, and a
    # discriminator without dropout that sees each group of 4 samples' spread (ProGAN's minibatch standard deviation)
    "dcgan": Recipe(batch_size=32, ema_decay=0.999, g_optimizer=adam(4e-4), d_optimizer=adam(4e-4),
                    discriminator_options={"dropout": 0.0, "minibatch_std": True}),
    "wgan": Recipe(loss="wasserstein", d_steps=5, clip_value=0.01, g_optimizer=rmsprop(), d_optimizer=rmsprop()),
    # Gulrajani et al.'s MNIST code: Adam 1e-4, beta_1 = 0.5, beta_2 = 0.9 (their Algorithm 1 has beta_1 = 0)
    "wgan-gp": Recipe(loss="wasserstein", d_steps=5, gp_weight=10.0,
                      g_optimizer=adam(1e-4, 0.5, 0.9), d_optimizer=adam(1e-4, 0.5, 0.9)),
    "cgan": Recipe(steps_class=AuxiliaryClassifierSteps),
    # translation models (notebook 07, translation.py): Adam 2e-4, beta_1 = 0.5 as in pix2pix and CycleGAN;
    # batch 32 (the papers use 1; 32 keeps a CPU busy and the step fast)
    **{name: Recipe(batch_size=32) for name in TRANSLATION_MODELS},
}


def make_trainer(name, out_dir=None, seed=0, max_to_keep=3, num_samples=None, jit_compile=False, fused=True,
                 ema_decay="recipe", simultaneous=False, strategy=None):
    """Build models, optimizers, steps and ``Trainer`` for a model name ('mlp', 'dcgan', ...);
    ``jit_compile=True`` compiles the steps with XLA (see ``runtime.choose_xla``); ``fused=True`` uses
    the fused BatchNorm, dropout and Adam of ``gan_utils.core.fast`` (same math, fewer kernels);
    ``ema_decay`` overrides the recipe's moving average (None: none); ``simultaneous=True`` uses the
    joint step (both gradients from one batch of fakes) instead of Algorithm 1; ``strategy`` (a
    ``tf.distribute`` strategy, ``runtime.choose_strategy``) builds everything in its scope and trains on
    all its replicas. Under the ``mixed_float16`` policy both optimizers are wrapped in a
    ``LossScaleOptimizer`` (dynamic loss scaling)."""
    if name in TRANSLATION_MODELS:
        if strategy is not None or simultaneous:
            raise ValueError(f"{name} trains on one device with its own step (no --strategy, no simultaneous).")
        return Trainer(make_translation_steps(name, seed=seed, jit_compile=jit_compile), out_dir=out_dir,
                       max_to_keep=max_to_keep, num_samples=num_samples or 8, seed=seed,
                       ema_decay=None if ema_decay == "recipe" else ema_decay)
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        recipe = RECIPES[name]
        generator, discriminator = build_gan(name, fused=fused, discriminator_options=recipe.discriminator_options)
        g_optimizer, d_optimizer = recipe.g_optimizer(), recipe.d_optimizer()
        if fused:
            g_optimizer, d_optimizer = fused_optimizer(g_optimizer), fused_optimizer(d_optimizer)
        if keras.mixed_precision.global_policy().name == "mixed_float16":
            g_optimizer = keras.optimizers.LossScaleOptimizer(g_optimizer)
            d_optimizer = keras.optimizers.LossScaleOptimizer(d_optimizer)
        steps = recipe.steps_class(generator, discriminator, g_optimizer, d_optimizer, loss=recipe.loss,
                                   clip_value=recipe.clip_value, gp_weight=recipe.gp_weight, seed=seed,
                                   jit_compile=jit_compile, **({"simultaneous": True} if simultaneous else {}),
                                   **({"strategy": strategy} if strategy is not None else {}))
        return Trainer(steps, d_steps=recipe.d_steps, out_dir=out_dir, max_to_keep=max_to_keep,
                       num_samples=num_samples or (100 if steps.conditional else 64), seed=seed,
                       ema_decay=recipe.ema_decay if ema_decay == "recipe" else ema_decay)
