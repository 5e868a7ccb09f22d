"""Helper of tests/test_distribute.py, run in its own process (logical devices and TF_CONFIG must be set
before TensorFlow initialises its devices, so this cannot run inside the pytest process).

  python tests/distribute_run.py mirrored OUT.json MODEL…   2 logical CPUs: mirrored run vs one-device run
  python tests/distribute_run.py single OUT.npz              one process, global batch 2·B (reference)
  python tests/distribute_run.py worker OUT.npz              one worker of MultiWorkerMirroredStrategy (TF_CONFIG)

Every run trains a few iterations on tiny random data with op determinism on.
"""
import json
import sys
import tempfile

import numpy as np

import gan_utils
from gan_utils import runtime

B = 4  # per-replica batch; global batch 2·B
ITERATIONS = 2


def tiny_data(n=64):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 28, 28)).astype(np.uint8), rng.integers(0, 10, n).astype("int32")


def build(model, strategy=None, out_dir=None):
    """A Trainer for ``model``. 'mlp', 'dcgan': the recipes (the DCGAN's BatchNorm per replica, as Keras does,
    and dropout in D); 'cgan': the AC-GAN recipe. For an exact comparison with one device, the others have
    generators with ``BatchNormalization(synchronized=True)`` and no dropout in D (dropout masks are drawn
    per replica): 'dcgan-sync', 'wgan-gp' (alphas from a generator on one device too, so both runs draw the
    same ones), 'cgan-projection' (GANSteps with labels, the projection discriminator) and 'acgan-sync' (the
    AC-GAN steps of conditional.py with the projection discriminator and its class head)."""
    import contextlib

    import keras

    from gan_utils import models
    from gan_utils.recipes import RECIPES, make_trainer
    from gan_utils.train import GANSteps
    from gan_utils.trainer import Trainer

    def sync_batchnorm(generator):
        def copy(layer):
            config = layer.get_config()
            if isinstance(layer, keras.layers.BatchNormalization):
                config["synchronized"] = True
            return type(layer).from_config(config)

        return keras.models.clone_model(generator, clone_function=copy)

    gan_utils.set_seed(0, deterministic=True)
    if model in ("mlp", "cgan", "dcgan"):
        return make_trainer(model, seed=1, num_samples=10, strategy=strategy, out_dir=out_dir)
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        adam = [keras.optimizers.Adam(2e-4, beta_1=0.5) for _ in range(2)]
        if model == "wgan-gp":
            recipe = RECIPES["wgan-gp"]
            g, d = sync_batchnorm(models.build_wgan_generator()), models.build_critic()
            steps = GANSteps(g, d, recipe.g_optimizer(), recipe.d_optimizer(), loss=recipe.loss,
                             gp_weight=recipe.gp_weight, seed=1, strategy=strategy, gp_alpha="generator")
            return Trainer(steps, d_steps=recipe.d_steps, num_samples=10, seed=1, out_dir=out_dir)
        if model == "acgan-sync":
            from gan_utils.conditional import AuxiliaryClassifierSteps

            g = sync_batchnorm(models.build_conditional_generator())
            d = models.build_conditional_discriminator(auxiliary_classifier=True, dropout=0.0)
            steps = AuxiliaryClassifierSteps(g, d, *adam, seed=1, strategy=strategy)
            return Trainer(steps, num_samples=10, seed=1, out_dir=out_dir)
        if model == "cgan-projection":
            g = sync_batchnorm(models.build_conditional_generator())
            d = models.build_conditional_discriminator(auxiliary_classifier=False, dropout=0.0)
        elif model == "dcgan-sync":
            g, d = sync_batchnorm(models.build_dcgan_generator()), models.build_dcgan_discriminator(dropout=0.0)
        else:
            raise ValueError(model)
        steps = GANSteps(g, d, *adam, seed=1, strategy=strategy)
        return Trainer(steps, num_samples=10, seed=1, out_dir=out_dir)


def train(trainer, iterations=ITERATIONS):
    images, labels = tiny_data()
    history = trainer.fit(images, labels if trainer.steps.conditional else None, iterations=iterations,
                          batch_size=2 * B)
    s = trainer.steps
    return history, s.generator.get_weights() + s.discriminator.get_weights(), trainer.fixed_samples()


def max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(x, "float64") - np.asarray(y, "float64")))) for x, y in zip(a, b))


def compare(one, many):
    (h1, w1, f1), (h2, w2, f2) = one, many
    return {"losses": max(max_diff(h1[k], h2[k]) for k in h1 if "grad_norm" not in k),
            "weights": max_diff(w1, w2), "fixed_samples": max_diff([f1], [f2]),
            "history_keys_equal": sorted(h1) == sorted(h2), "iterations": len(h2["g_loss"])}


def mirrored(out, names):
    runtime.split_cpu(2)
    gan_utils.choose_precision("float32")
    strategy = runtime.choose_strategy("mirrored")
    results = {name: check_mirrored(name, strategy) for name in names}
    with open(out, "w") as f:
        json.dump(results, f)


def check_mirrored(model, strategy):
    result = {"replicas": strategy.num_replicas_in_sync}
    result.update(compare(train(build(model)), train(build(model, strategy))))
    if model == "mlp":  # stop after 1 iteration, resume in a new Trainer, finish: same as an uninterrupted run
        with tempfile.TemporaryDirectory() as folder:
            train(build(model, strategy, out_dir=folder), iterations=1)
            resumed = train(build(model, strategy, out_dir=folder))
        result["resume"] = compare(train(build(model, strategy)), resumed)
    return result


def single_or_worker(kind, out):
    strategy = runtime.choose_strategy("multi-worker") if kind == "worker" else None
    gan_utils.choose_precision("float32")
    history, weights, samples = train(build("mlp", strategy))
    np.savez(out, *weights, samples=samples, **{f"h_{k}": v for k, v in history.items()})


if __name__ == "__main__":
    if sys.argv[1] == "mirrored":
        mirrored(sys.argv[2], sys.argv[3:])
    else:
        single_or_worker(sys.argv[1], sys.argv[2])
