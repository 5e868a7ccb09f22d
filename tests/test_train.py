"""Train steps, the trainer loop, checkpoints and divergence, on tiny data."""
import numpy as np
import pytest
import tensorflow as tf

import gan_utils
from gan_utils.models import GAN_BUILDERS
from gan_utils.recipes import RECIPES, make_trainer
from gan_utils.trainer import TrainingDiverged
from tests.seeding import reseed

gan_utils.set_seed(0, deterministic=True)


def tiny_mnist(n=37, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 28, 28)).astype(np.uint8), rng.integers(0, 10, size=n)


def weights(model):
    return [w.copy() for w in model.get_weights()]


@pytest.mark.parametrize("name", list(GAN_BUILDERS))
def test_one_epoch_of_every_recipe_with_an_odd_last_batch(name):
    trainer = make_trainer(name, seed=1, num_samples=10)
    images, labels = tiny_mnist(n=16 * 5 + 5)
    before = weights(trainer.steps.generator)
    history = trainer.fit(images, labels if trainer.steps.conditional else None, epochs=1, batch_size=16,
                          drop_remainder=False)
    batches = 6  # five of 16, then 5 (the partial batch is kept here, so its code path stays tested)
    assert len(history["g_loss"]) == batches // RECIPES[name].d_steps
    expected = {"d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"}
    if RECIPES[name].gp_weight:
        expected.add("gp")
    if RECIPES[name].loss == "wasserstein":
        expected.add("w_estimate")
    assert expected <= set(history)
    assert all(np.isfinite(v).all() for v in history.values())
    if history["g_loss"]:
        assert any(not np.array_equal(a, b) for a, b in zip(before, weights(trainer.steps.generator)))


def test_k_discriminator_steps_per_generator_step():
    trainer = make_trainer("mlp", seed=0)
    trainer.d_steps = 3
    images, _ = tiny_mnist(n=8 * 7)
    history = trainer.fit(images, epochs=1, batch_size=8)
    assert len(history["g_loss"]) == 7 // 3
    assert int(trainer.steps.d_optimizer.iterations.numpy()) == 7
    assert int(trainer.steps.g_optimizer.iterations.numpy()) == 2


def test_steps_are_not_retraced_per_batch():
    trainer = make_trainer("mlp", seed=0)
    images, _ = tiny_mnist(n=8 * 6 + 3)
    trainer.fit(images, epochs=2, batch_size=8)
    assert trainer.steps.d_step.experimental_get_tracing_count() <= 2  # full and short last batch
    assert trainer.steps.g_step.experimental_get_tracing_count() == 1


def test_weight_clipping_keeps_every_critic_weight_in_range():
    trainer = make_trainer("wgan", seed=0)
    images, _ = tiny_mnist(n=40)
    trainer.fit(images, epochs=1, batch_size=8)
    c = RECIPES["wgan"].clip_value
    for v in trainer.steps.discriminator.trainable_variables:
        assert np.abs(v.numpy()).max() <= c + 1e-7


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(tmp_path):
    images, _ = tiny_mnist(n=40)
    reseed(5)  # as a fresh process would
    straight = make_trainer("dcgan", out_dir=tmp_path / "a", seed=5, num_samples=4)
    straight.fit(images, epochs=2, batch_size=16)
    reseed(5)
    first = make_trainer("dcgan", out_dir=tmp_path / "b", seed=5, num_samples=4)
    first.fit(images, epochs=1, batch_size=16)
    resumed = make_trainer("dcgan", out_dir=tmp_path / "b", seed=5, num_samples=4)
    assert int(resumed.epoch.numpy()) == 1 and len(resumed.history["g_loss"]) == 2  # 40 // 16, short batch dropped
    np.testing.assert_array_equal(resumed.fixed_noise.numpy(), first.fixed_noise.numpy())
    resumed.fit(images, epochs=2, batch_size=16)
    for a, b in zip(weights(straight.steps.generator), weights(resumed.steps.generator)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(straight.steps.d_optimizer.variables, resumed.steps.d_optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert straight.history == resumed.history


def test_checkpoint_of_another_architecture_is_refused(tmp_path):
    images, _ = tiny_mnist(n=16)
    make_trainer("mlp", out_dir=tmp_path, seed=0).fit(images, epochs=1, batch_size=16)
    with pytest.raises(ValueError, match="holds a run of a different model.*generator, discriminator"):
        make_trainer("dcgan", out_dir=tmp_path, seed=0)


def test_nan_stops_training_and_keeps_the_last_good_checkpoint(tmp_path):
    images, _ = tiny_mnist(n=32)
    trainer = make_trainer("mlp", out_dir=tmp_path, seed=0)
    trainer.fit(images, epochs=1, batch_size=16)
    good = weights(trainer.steps.generator)
    trainer.steps.discriminator.layers[-1].kernel.assign(
        tf.fill(trainer.steps.discriminator.layers[-1].kernel.shape, np.nan))
    with pytest.raises(TrainingDiverged, match=r"epoch 2, iteration 3: d_loss, .* not finite .*lower learning rate"):
        trainer.fit(images, epochs=2, batch_size=16)
    restored = make_trainer("mlp", out_dir=tmp_path, seed=0)
    assert int(restored.epoch.numpy()) == 1
    for a, b in zip(good, weights(restored.steps.generator)):
        np.testing.assert_array_equal(a, b)


def test_labels_required_for_conditional_and_refused_otherwise():
    images, labels = tiny_mnist(n=16)
    with pytest.raises(ValueError, match="conditional: pass labels"):
        make_trainer("cgan").fit(images, None, epochs=1, batch_size=8)
    with pytest.raises(ValueError, match="not conditional"):
        make_trainer("mlp").fit(images, labels, epochs=1, batch_size=8)


def test_a_callback_can_stop_training_mid_epoch_and_the_position_is_saved(tmp_path):
    from gan_utils.callbacks import Callback

    class StopAfterTwo(Callback):
        def on_step_end(self, trainer, logs):
            trainer.stop_training = len(trainer.history["g_loss"]) >= 2

    images, _ = tiny_mnist(n=80)
    trainer = make_trainer("mlp", out_dir=tmp_path, seed=0)
    trainer.fit(images, epochs=3, batch_size=8, callbacks=[StopAfterTwo()])
    assert len(trainer.history["g_loss"]) == 2 and int(trainer.epoch.numpy()) == 0
    resumed = make_trainer("mlp", out_dir=tmp_path, seed=0)
    assert int(resumed.batch_in_epoch.numpy()) == 2 and len(resumed.history["g_loss"]) == 2


def test_simultaneous_step_updates_both_networks_once_per_batch():
    from gan_utils.models import build_dcgan_discriminator, build_dcgan_generator
    from gan_utils.train import GANSteps
    from gan_utils.trainer import Trainer
    import keras

    steps = GANSteps(build_dcgan_generator(), build_dcgan_discriminator(), keras.optimizers.Adam(2e-4),
                     keras.optimizers.Adam(2e-4), simultaneous=True)
    images, _ = tiny_mnist(n=21)
    history = Trainer(steps).fit(images, epochs=1, batch_size=8, drop_remainder=False)
    assert len(history["g_loss"]) == 3 and {"d_real", "d_fake", "g_grad_norm"} <= set(history)
    assert int(steps.g_optimizer.iterations.numpy()) == int(steps.d_optimizer.iterations.numpy()) == 3
    with pytest.raises(ValueError, match="need d_steps = 1"):
        Trainer(steps, d_steps=2)
    with pytest.raises(ValueError, match="WGANs need separate critic steps"):
        GANSteps(build_dcgan_generator(), build_dcgan_discriminator(), keras.optimizers.Adam(), keras.optimizers.Adam(),
                 gp_weight=10.0, simultaneous=True)


def test_conditional_fixed_grid_has_one_digit_per_row():
    trainer = make_trainer("cgan", num_samples=100)
    labels = trainer.fixed_labels.numpy().reshape(10, 10)
    assert (labels == np.arange(10)[:, None]).all()


def test_xla_compiled_steps_train_on_cpu_too():
    trainer = make_trainer("mlp", seed=2, num_samples=4, jit_compile=True)
    images, _ = tiny_mnist(n=32)
    history = trainer.fit(images, epochs=1, batch_size=16)
    assert trainer.steps.jit_compile and len(history["g_loss"]) == 2
    assert all(np.isfinite(v).all() for v in history.values())


def test_choose_xla_modes():
    assert gan_utils.choose_xla("on") is True and gan_utils.choose_xla("off") is False
    assert gan_utils.choose_xla("auto") == bool(tf.config.list_physical_devices("GPU"))
    with pytest.raises(ValueError, match="xla must be"):
        gan_utils.choose_xla("fast")


def test_run_iterations_takes_one_batch_per_iteration_and_gathers_the_logs():
    """The one loop every array training goes through: batches taken in order, one update each, logs as floats."""
    from gan_utils.core.train import run_iterations

    seen = []

    def update(batch):
        seen.append(batch)
        return {"double": batch * 2, "constant": tf.constant(1.5)}

    history = run_iterations(update, iter(range(10)), 4)
    assert seen == [0, 1, 2, 3]
    assert history == {"double": [0.0, 2.0, 4.0, 6.0], "constant": [1.5] * 4}
    assert all(type(v) is float for v in history["constant"])
    assert run_iterations(update, iter([]), 0) == {}
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="iterations"):
            run_iterations(update, iter(range(5)), bad)
