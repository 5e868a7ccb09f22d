"""Checks of the networks students build: the DCGAN generator and discriminator [02] and the conditional
generator [05]."""
import keras
import numpy as np
from keras import layers

from gan_utils.checks.core import CheckFailed, build_model, call_student, exercise, output_shape_of


def _check_conv_blocks(model, layer_type, expected, strides, plural, label):
    """The model's ``layer_type`` layers, in order, must output the ``expected`` shapes; a wrong spatial size
    names the stride and padding, a wrong channel count the filters."""
    name = layer_type.__name__
    convs = [layer for layer in model.layers if type(layer) is layer_type]
    if len(convs) != len(expected):
        raise CheckFailed(f"found {len(convs)} {name} {plural}, expected {len(expected)}: "
                          f"{' -> '.join(str(s) for s in expected)}.")
    for i, (layer, want, stride) in enumerate(zip(convs, expected, strides), start=1):
        got = output_shape_of(layer)
        if got != want:
            fix = (f"use strides={stride} and padding='same'" if got is not None and got[1:3] != want[1:3]
                   else f"use {want[3]} filters")
            raise CheckFailed(f"{name} {label}{i} outputs {got}, expected {want}: {fix}.")


@exercise("DCGAN generator")
def check_dcgan_generator(model_or_builder, latent_dim=100, filters=(256, 128, 64)):
    """A Keras model (or a no-argument builder) with the TF tutorial's blocks; ``filters`` as in models."""
    from gan_utils.core.models import build_dcgan_generator

    model = build_model(model_or_builder)
    if not isinstance(model, keras.Model):
        raise CheckFailed(f"expected a keras.Model, got {type(model).__name__}.")
    if tuple(model.inputs[0].shape) != (None, latent_dim):
        raise CheckFailed(f"the input has shape {tuple(model.inputs[0].shape)}, expected (None, {latent_dim}): "
                          f"keras.Input(({latent_dim},)).")
    reshapes = [layer for layer in model.layers if isinstance(layer, layers.Reshape)]
    start = (None, 7, 7, filters[0])
    if not reshapes or output_shape_of(reshapes[0]) != start:
        got = output_shape_of(reshapes[0]) if reshapes else "no Reshape layer"
        raise CheckFailed(f"after the Dense block expected a Reshape to {start}, found {got}: "
                          f"Dense(7 * 7 * {filters[0]}) then layers.Reshape((7, 7, {filters[0]})).")
    expected = [(None, 7, 7, filters[1]), (None, 14, 14, filters[2]), (None, 28, 28, 1)]
    _check_conv_blocks(model, layers.Conv2DTranspose, expected, strides=(1, 2, 2), plural="blocks", label="block ")
    n_norm = sum("BatchNormalization" in type(layer).__name__ for layer in model.layers)
    if n_norm != 3:
        raise CheckFailed(f"found {n_norm} BatchNormalization layers, expected 3 (after the Dense and the first two "
                          "Conv2DTranspose, before each LeakyReLU).")
    z = np.random.default_rng(0).normal(scale=3.0, size=(8, latent_dim)).astype("float32")
    images = np.asarray(model(z, training=False))
    if images.max() > 1.0 + 1e-5 or images.min() < -1.0 - 1e-5 or images.min() >= 0.0:
        raise CheckFailed(f"outputs range over [{images.min():.3g}, {images.max():.3g}]: the last Conv2DTranspose "
                          "needs activation='tanh' (images are scaled to [−1, 1]).")
    reference = build_dcgan_generator(latent_dim, filters).count_params()
    if model.count_params() != reference:
        raise CheckFailed(f"the shapes are right but the model has {model.count_params():,} parameters, expected "
                          f"{reference:,}: use_bias=False on the Dense and Conv2DTranspose layers (BatchNorm's β "
                          "replaces the bias).")
    return f"blocks {start} -> {' -> '.join(str(s) for s in expected)}, 3 BatchNorms, tanh, {reference:,} parameters."


@exercise("DCGAN discriminator")
def check_dcgan_discriminator(model_or_builder, filters=(64, 128), image_shape=(28, 28, 1)):
    """A Keras model (or a no-argument builder) with the TF tutorial's discriminator: strided 5x5 convolutions
    (28 -> 14 -> 7), LeakyReLU, dropout, and one logit (no sigmoid)."""
    from gan_utils.core.models import build_dcgan_discriminator

    model = build_model(model_or_builder)
    if not isinstance(model, keras.Model):
        raise CheckFailed(f"expected a keras.Model, got {type(model).__name__}.")
    if tuple(model.inputs[0].shape) != (None, *image_shape):
        raise CheckFailed(f"the input has shape {tuple(model.inputs[0].shape)}, expected (None, {', '.join(map(str, image_shape))}).")
    pools = [layer for layer in model.layers if "Pooling" in type(layer).__name__]
    if pools:
        raise CheckFailed(f"found a {type(pools[0]).__name__} layer: DCGAN downsamples with strided convolutions "
                          "(Conv2D(..., strides=2)), not pooling.")
    expected = [(None, 14, 14, filters[0]), (None, 7, 7, filters[1])]
    _check_conv_blocks(model, layers.Conv2D, expected, strides=(2, 2), plural="layers", label="")
    if sum(isinstance(layer, layers.LeakyReLU) for layer in model.layers) < len(expected):
        raise CheckFailed("put a LeakyReLU after each convolution (Radford et al.: LeakyReLU in D).")
    if tuple(model.outputs[0].shape) != (None, 1):
        raise CheckFailed(f"the output has shape {tuple(model.outputs[0].shape)}, expected (None, 1): "
                          "Flatten, then Dense(1).")
    x = np.random.default_rng(12).uniform(-1.0, 1.0, size=(16, *image_shape)).astype("float32")
    scale = 50.0  # large inputs push a sigmoid output against 0 or 1
    out = np.asarray(model(x * scale, training=False)).ravel()
    if out.min() >= 0.0 and out.max() <= 1.0:
        raise CheckFailed("the outputs all lie in [0, 1]: leave out the sigmoid, D returns a logit (the losses "
                          "apply the sigmoid themselves, which is numerically safer).")
    reference = build_dcgan_discriminator(image_shape, filters).count_params()
    if model.count_params() != reference:
        raise CheckFailed(f"the shapes are right but the model has {model.count_params():,} parameters, expected "
                          f"{reference:,}: 5x5 kernels (kernel_size=5) with biases, and a single Dense(1) after Flatten.")
    return (f"{image_shape[:2]} -> {expected[0][1:3]} -> {expected[1][1:3]} by strided convolutions, LeakyReLU, "
            f"one logit, {reference:,} parameters.")


# -- 6. the conditional generator (05_conditional_gan) --------------------------------------------
@exercise("conditional generator")
def check_conditional_generator(model_or_builder, latent_dim=100, num_classes=10, image_shape=(28, 28, 1)):
    """``G([z, labels])`` with z (N, latent_dim) and integer labels (N,): images of ``image_shape`` that
    change with the label (same z) and with z (same label)."""
    generator = build_model(model_or_builder)
    z = np.repeat(np.random.default_rng(6).normal(size=(1, latent_dim)).astype("float32"), num_classes, axis=0)
    labels = np.arange(num_classes, dtype="int32")
    hint = (f"the generator takes [z of shape (N, {latent_dim}), labels of shape (N,) int32]: embed the label "
            "(layers.Embedding) and concatenate it to z")
    images = np.asarray(call_student(generator, [z, labels], training=False, hint=hint))
    if images.shape != (num_classes, *image_shape):
        raise CheckFailed(f"for {num_classes} inputs the output has shape {images.shape}, expected "
                          f"{(num_classes, *image_shape)}.")
    flat = images.reshape(num_classes, -1)
    if np.abs(flat - flat[0]).max() < 1e-7:
        raise CheckFailed("with the same z, every label gives the same image: the output ignores the label "
                          "(concatenate Embedding(label) to z).")
    gaps = np.abs(flat[:, None] - flat[None]).max(axis=-1) + np.eye(num_classes)
    if gaps.min() < 1e-7:
        a, b = np.unravel_index(gaps.argmin(), gaps.shape)
        raise CheckFailed(f"labels {a} and {b} give the same image for the same z: each label needs its own embedding.")
    other_z = np.random.default_rng(7).normal(size=(num_classes, latent_dim)).astype("float32")
    others = np.asarray(call_student(generator, [other_z, labels], training=False, hint=hint))
    if np.abs(others - images).max() < 1e-7:
        raise CheckFailed("the output does not depend on z: feed z (concatenated with the label embedding) to the body.")
    return f"output {(num_classes, *image_shape)}, different images for the {num_classes} labels and for different z."
