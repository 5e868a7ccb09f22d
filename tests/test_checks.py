"""gan_utils.checks: each check accepts the reference solution and rejects realistic wrong answers with a
sentence naming the mistake. The wrong answers are written here as small functions, the way students write them."""
import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from gan_utils import checks, losses, metrics


def run(check, *args, **kwargs):
    """Call a check; return (passed, the one printed sentence)."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        passed = check(*args, **kwargs)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1, lines
    return passed, lines[0]


def accepts(check, *args, **kwargs):
    passed, sentence = run(check, *args, **kwargs)
    assert passed and sentence.startswith("✓"), sentence


def rejects(check, answer, *words, **kwargs):
    passed, sentence = run(check, answer, **kwargs)
    assert passed is False and sentence.startswith("✗"), sentence
    for word in words:
        assert word in sentence, sentence
    return sentence


# -- losses ---------------------------------------------------------------------------------------
def test_discriminator_loss():
    def reference(real, fake):
        return tf.reduce_mean(tf.math.softplus(-real)) + tf.reduce_mean(tf.math.softplus(fake))

    def swapped_labels(real, fake):
        return tf.reduce_mean(tf.math.softplus(real)) + tf.reduce_mean(tf.math.softplus(-fake))

    def real_term_only(real, fake):
        return tf.reduce_mean(tf.math.softplus(-real))

    def logits_as_probabilities(real, fake):
        return -tf.reduce_mean(tf.math.log(real)) - tf.reduce_mean(tf.math.log(1 - fake))

    def no_mean(real, fake):
        return tf.math.softplus(-real) + tf.math.softplus(fake)

    accepts(checks.check_discriminator_loss, reference)
    accepts(checks.check_discriminator_loss, losses.minimax_discriminator_loss)
    rejects(checks.check_discriminator_loss, swapped_labels, "swapped")
    rejects(checks.check_discriminator_loss, real_term_only, "fake term")
    rejects(checks.check_discriminator_loss, logits_as_probabilities, "logits")
    rejects(checks.check_discriminator_loss, no_mean, "shape (4,)")


def test_generator_losses():
    def non_saturating(fake):
        return tf.reduce_mean(tf.math.softplus(-fake))

    def saturating(fake):
        return tf.reduce_mean(tf.math.log(1.0 - tf.sigmoid(fake)))

    def sign_flipped(fake):
        return -tf.reduce_mean(tf.math.softplus(-fake))

    def fake_label_zero(fake):
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(tf.zeros_like(fake), fake))

    accepts(checks.check_generator_loss, non_saturating)
    rejects(checks.check_generator_loss, saturating, "saturating")
    rejects(checks.check_generator_loss, sign_flipped, "sign")
    rejects(checks.check_generator_loss, fake_label_zero, "label")
    accepts(checks.check_generator_loss, losses.minimax_generator_loss, kind="minimax")
    rejects(checks.check_generator_loss, non_saturating, "non-saturating loss", kind="minimax")


def test_not_implemented_yet_is_a_sentence_not_a_crash():
    def d_loss(real, fake):
        # TODO: your code here
        raise NotImplementedError

    sentence = rejects(checks.check_discriminator_loss, d_loss, "not implemented yet")
    assert "`d_loss`" in sentence


# -- the train steps (student code reads notebook globals; the check swaps in its own) -----------------
generator = discriminator = g_optimizer = d_optimizer = noise = None  # the notebook's objects


def d_step(real):
    z = noise(tf.shape(real)[0])
    with tf.GradientTape() as tape:
        fake = generator(z, training=True)
        real_out = discriminator(real, training=True)
        fake_out = discriminator(fake, training=True)
        d_loss = tf.reduce_mean(tf.math.softplus(-real_out)) + tf.reduce_mean(tf.math.softplus(fake_out))
    grads = tape.gradient(d_loss, discriminator.trainable_variables)
    d_optimizer.apply_gradients(zip(grads, discriminator.trainable_variables))
    return d_loss


def d_step_without_training_flag(real):
    z = noise(tf.shape(real)[0])
    with tf.GradientTape() as tape:
        fake = generator(z, training=True)
        d_loss = losses.minimax_discriminator_loss(discriminator(real), discriminator(fake))
    grads = tape.gradient(d_loss, discriminator.trainable_variables)
    d_optimizer.apply_gradients(zip(grads, discriminator.trainable_variables))
    return d_loss


def d_step_loss_outside_tape(real):
    z = noise(tf.shape(real)[0])
    with tf.GradientTape() as tape:
        fake = generator(z, training=True)
    d_loss = losses.minimax_discriminator_loss(discriminator(real, training=True), discriminator(fake, training=True))
    grads = tape.gradient(d_loss, discriminator.trainable_variables)
    d_optimizer.apply_gradients(zip(grads, discriminator.trainable_variables))
    return d_loss


def d_step_updates_both(real):
    z = noise(tf.shape(real)[0])
    with tf.GradientTape() as tape:
        fake = generator(z, training=True)
        d_loss = losses.minimax_discriminator_loss(discriminator(real, training=True),
                                                   discriminator(fake, training=True))
    variables = discriminator.trainable_variables + generator.trainable_variables
    d_optimizer.apply_gradients(zip(tape.gradient(d_loss, variables), variables))
    return d_loss


def g_step(batch_size):
    z = noise(batch_size)
    with tf.GradientTape() as tape:
        g_loss = losses.non_saturating_generator_loss(discriminator(generator(z, training=True), training=True))
    grads = tape.gradient(g_loss, generator.trainable_variables)
    g_optimizer.apply_gradients(zip(grads, generator.trainable_variables))
    return {"g_loss": g_loss}


def g_step_saturating(batch_size):
    z = noise(batch_size)
    with tf.GradientTape() as tape:
        g_loss = losses.minimax_generator_loss(discriminator(generator(z, training=True), training=True))
    grads = tape.gradient(g_loss, generator.trainable_variables)
    g_optimizer.apply_gradients(zip(grads, generator.trainable_variables))
    return g_loss


def g_step_generator_in_inference_mode(batch_size):
    z = noise(batch_size)
    with tf.GradientTape() as tape:
        g_loss = losses.non_saturating_generator_loss(discriminator(generator(z, training=False), training=True))
    grads = tape.gradient(g_loss, generator.trainable_variables)
    g_optimizer.apply_gradients(zip(grads, generator.trainable_variables))
    return g_loss


def g_step_gradient_ascent(batch_size):
    z = noise(batch_size)
    with tf.GradientTape() as tape:
        g_loss = losses.non_saturating_generator_loss(discriminator(generator(z, training=True), training=True))
    grads = tape.gradient(g_loss, generator.trainable_variables)
    g_optimizer.apply_gradients(zip([-g for g in grads], generator.trainable_variables))
    return g_loss


def test_d_step():
    accepts(checks.check_d_step, d_step)
    accepts(checks.check_d_step, tf.function(d_step))
    rejects(checks.check_d_step, d_step_without_training_flag, "discriminator", "training=True")
    rejects(checks.check_d_step, d_step_loss_outside_tape, "None gradient", "GradientTape")
    rejects(checks.check_d_step, d_step_updates_both, "generator's weights")


def test_g_step():
    accepts(checks.check_g_step, g_step)
    rejects(checks.check_g_step, g_step_saturating, "saturating")
    rejects(checks.check_g_step, g_step_generator_in_inference_mode, "generator", "training=True")
    rejects(checks.check_g_step, g_step_gradient_ascent, "wrong way")


def test_steps_can_take_the_objects_as_arguments():
    def explicit_g_step(batch_size, generator, discriminator, g_optimizer, noise):
        z = noise(batch_size)
        with tf.GradientTape() as tape:
            g_loss = losses.non_saturating_generator_loss(discriminator(generator(z, training=True), training=True))
        g_optimizer.apply_gradients(zip(tape.gradient(g_loss, generator.trainable_variables),
                                        generator.trainable_variables))
        return g_loss

    accepts(checks.check_g_step, explicit_g_step)


# -- DCGAN generator (small filters keep the test fast; the check derives shapes from them) ------------
SMALL = (16, 8, 4)


def dcgan(strides=(1, 2, 2), activation="tanh", use_bias=False, filters=SMALL):
    z = keras.Input((100,))
    x = layers.LeakyReLU()(layers.BatchNormalization()(layers.Dense(7 * 7 * filters[0], use_bias=use_bias)(z)))
    x = layers.Reshape((7, 7, filters[0]))(x)
    for f, s in zip(filters[1:], strides):
        x = layers.LeakyReLU()(layers.BatchNormalization()(
            layers.Conv2DTranspose(f, 5, strides=s, padding="same", use_bias=use_bias)(x)))
    return keras.Model(z, layers.Conv2DTranspose(1, 5, strides=strides[2], padding="same", use_bias=False,
                                                 activation=activation)(x))


def test_dcgan_generator():
    accepts(checks.check_dcgan_generator, dcgan(), filters=SMALL)
    accepts(checks.check_dcgan_generator, lambda: dcgan(), filters=SMALL)  # a builder works too
    rejects(checks.check_dcgan_generator, dcgan(strides=(1, 1, 2)), "block 2", "strides=2", filters=SMALL)
    rejects(checks.check_dcgan_generator, dcgan(activation="sigmoid"), "tanh", filters=SMALL)
    rejects(checks.check_dcgan_generator, dcgan(use_bias=True), "use_bias=False", filters=SMALL)


# -- feature matching -----------------------------------------------------------------------------
def test_feature_matching_loss():
    def reference(real_features, fake_features):
        diff = tf.reduce_mean(real_features, axis=0) - tf.reduce_mean(fake_features, axis=0)
        return tf.reduce_sum(tf.square(diff))

    def per_sample(real_features, fake_features):
        return tf.reduce_mean(tf.reduce_sum(tf.square(real_features - fake_features), axis=1))

    def norm_not_squared(real_features, fake_features):
        return tf.norm(tf.reduce_mean(real_features, 0) - tf.reduce_mean(fake_features, 0))

    def mean_over_features(real_features, fake_features):
        return tf.reduce_mean(tf.square(tf.reduce_mean(real_features, 0) - tf.reduce_mean(fake_features, 0)))

    accepts(checks.check_feature_matching_loss, reference)
    accepts(checks.check_feature_matching_loss, losses.feature_matching_loss)
    rejects(checks.check_feature_matching_loss, per_sample, "axis 0")
    rejects(checks.check_feature_matching_loss, norm_not_squared, "square")
    rejects(checks.check_feature_matching_loss, mean_over_features, "sum them")


# -- WGAN -----------------------------------------------------------------------------------------
def test_weight_clipping():
    def reference(model, c):
        for v in model.trainable_variables:
            v.assign(tf.clip_by_value(v, -c, c))

    def forgets_assign(model, c):
        for v in model.trainable_variables:
            tf.clip_by_value(v, -c, c)

    def kernels_only(model, c):
        for layer in model.layers:
            if hasattr(layer, "kernel"):
                layer.kernel.assign(tf.clip_by_value(layer.kernel, -c, c))

    def hard_coded(model, c):
        for v in model.trainable_variables:
            v.assign(tf.clip_by_value(v, -0.01, 0.01))

    accepts(checks.check_weight_clipping, reference)
    rejects(checks.check_weight_clipping, forgets_assign, "assign")
    rejects(checks.check_weight_clipping, kernels_only, "bias", "not clipped")
    rejects(checks.check_weight_clipping, hard_coded, "argument c")


def _penalty(critic, real, fake, alpha_fn=None, sqrt=True, axes=(1, 2, 3), epsilon=1e-12, watch=True):
    n = tf.shape(real)[0]
    alpha = alpha_fn(n) if alpha_fn else tf.random.uniform([n, 1, 1, 1], 0.0, 1.0)
    x_hat = alpha * real + (1.0 - alpha) * fake
    with tf.GradientTape() as tape:
        if watch:
            tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    grads = tape.gradient(scores, x_hat)
    squares = tf.reduce_sum(tf.square(grads), axis=list(axes))
    norms = tf.sqrt(squares + epsilon) if sqrt else squares
    return tf.reduce_mean(tf.square(norms - 1.0))


def test_gradient_penalty():
    accepts(checks.check_gradient_penalty, _penalty)
    accepts(checks.check_gradient_penalty, losses.gradient_penalty)

    def normal_alpha(critic, real, fake):
        return _penalty(critic, real, fake, alpha_fn=lambda n: tf.random.normal([n, 1, 1, 1]))

    def alpha_per_pixel(critic, real, fake):
        return _penalty(critic, real, fake, alpha_fn=lambda n: tf.random.uniform(tf.shape(real)))

    def no_epsilon(critic, real, fake):
        return _penalty(critic, real, fake, epsilon=0.0)

    def with_tf_norm(critic, real, fake):
        alpha = tf.random.uniform([tf.shape(real)[0], 1, 1, 1])
        x_hat = alpha * real + (1.0 - alpha) * fake
        with tf.GradientTape() as tape:
            tape.watch(x_hat)
            scores = critic(x_hat, training=True)
        grads = tape.gradient(scores, x_hat)
        return tf.reduce_mean(tf.square(tf.norm(tf.reshape(grads, [tf.shape(grads)[0], -1]), axis=1) - 1.0))

    def no_sqrt(critic, real, fake):
        return _penalty(critic, real, fake, sqrt=False)

    def last_axis(critic, real, fake):
        return _penalty(critic, real, fake, axes=(-1,))

    def forgets_watch(critic, real, fake):
        return _penalty(critic, real, fake, watch=False)

    rejects(checks.check_gradient_penalty, normal_alpha, "uniform")
    rejects(checks.check_gradient_penalty, alpha_per_pixel, "one α per sample")
    rejects(checks.check_gradient_penalty, no_epsilon, "ε")
    rejects(checks.check_gradient_penalty, with_tf_norm, "ε")
    rejects(checks.check_gradient_penalty, no_sqrt, "square root")
    rejects(checks.check_gradient_penalty, last_axis, "axis=[1, 2, 3]")
    rejects(checks.check_gradient_penalty, forgets_watch, "tape.watch")


# -- conditional generator ------------------------------------------------------------------------
def tiny_cgan(use_label=True):
    z, label = keras.Input((100,)), keras.Input((), dtype="int32")
    embedded = layers.Embedding(10, 8)(label)
    x = layers.Concatenate()([z, embedded if use_label else layers.Lambda(lambda e: 0.0 * e)(embedded)])
    x = layers.Dense(28 * 28, activation="tanh")(x)
    return keras.Model([z, label], layers.Reshape((28, 28, 1))(x))


def test_conditional_generator():
    accepts(checks.check_conditional_generator, tiny_cgan())
    rejects(checks.check_conditional_generator, tiny_cgan(use_label=False), "ignores the label")

    one_hot_z, one_hot = keras.Input((100,)), keras.Input((10,))
    x = layers.Dense(28 * 28)(layers.Concatenate()([one_hot_z, one_hot]))
    expects_one_hot = keras.Model([one_hot_z, one_hot], layers.Reshape((28, 28, 1))(x))
    rejects(checks.check_conditional_generator, expects_one_hot, "labels of shape (N,)")

    flat_z, flat_label = keras.Input((100,)), keras.Input((), dtype="int32")
    flat = keras.Model([flat_z, flat_label], layers.Dense(784)(
        layers.Concatenate()([flat_z, layers.Embedding(10, 4)(flat_label)])))
    rejects(checks.check_conditional_generator, flat, "(10, 28, 28, 1)")


# -- metrics --------------------------------------------------------------------------------------
def test_inception_score():
    def reference(probs):
        probs = np.asarray(probs)
        marginal = probs.mean(axis=0, keepdims=True)
        kl = np.sum(probs * (np.log(probs + 1e-12) - np.log(marginal + 1e-12)), axis=1)
        return np.exp(kl.mean())

    def no_exp(probs):
        return np.log(reference(probs))

    def marginal_over_classes(probs):
        marginal = probs.mean(axis=1, keepdims=True)
        return np.exp(np.mean(np.sum(probs * (np.log(probs + 1e-12) - np.log(marginal + 1e-12)), axis=1)))

    def no_epsilon(probs):
        marginal = probs.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):  # the student's log(0): NaN, as in class
            return np.exp(np.mean(np.sum(probs * (np.log(probs) - np.log(marginal)), axis=1)))

    accepts(checks.check_inception_score, reference)
    accepts(checks.check_inception_score, metrics.inception_score)
    rejects(checks.check_inception_score, no_exp, "exp")
    rejects(checks.check_inception_score, marginal_over_classes, "axis=0")
    rejects(checks.check_inception_score, no_epsilon, "ε")


def test_frechet_distance():
    from scipy import linalg

    def with_sqrtm(a, b):
        ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
        return (np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(ca + cb - 2 * linalg.sqrtm(ca @ cb).real))

    def elementwise_sqrt(a, b):
        ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
        return np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(ca + cb - 2 * np.sqrt(np.abs(ca @ cb)))

    def means_only(a, b):
        return np.sum((a.mean(0) - b.mean(0)) ** 2)

    def complex_result(a, b):
        ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
        return np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(ca + cb - 2 * linalg.sqrtm(ca @ cb) + 1e-3j)

    accepts(checks.check_frechet_distance, with_sqrtm)
    accepts(checks.check_frechet_distance, metrics.frechet_distance)
    rejects(checks.check_frechet_distance, elementwise_sqrt, "sqrtm")
    rejects(checks.check_frechet_distance, means_only, "covariance term")
    rejects(checks.check_frechet_distance, complex_result, "real part")


def test_checks_never_raise_on_student_errors():
    def broken(real, fake):
        return undefined_name  # noqa: F821

    sentence = rejects(checks.check_discriminator_loss, broken, "NameError")
    assert "undefined_name" in sentence


# -- new in 02, 03, 05: the DCGAN discriminator, one-sided label smoothing, the AC-GAN class loss ----
def discriminator(filters=(64, 128), strides=2, pooling=False, sigmoid=False, kernel_size=5, leaky=True):
    x = image = keras.Input((28, 28, 1))
    for f in filters:
        x = layers.Conv2D(f, kernel_size, strides=1 if pooling else strides, padding="same")(x)
        if pooling:
            x = layers.MaxPooling2D()(x)
        x = layers.LeakyReLU()(x) if leaky else layers.ReLU()(x)
        x = layers.Dropout(0.3)(x)
    return keras.Model(image, layers.Dense(1, activation="sigmoid" if sigmoid else None)(layers.Flatten()(x)))


def test_dcgan_discriminator():
    from gan_utils import models

    accepts(checks.check_dcgan_discriminator, discriminator())
    accepts(checks.check_dcgan_discriminator, models.build_dcgan_discriminator)  # a builder works too
    rejects(checks.check_dcgan_discriminator, discriminator(pooling=True), "MaxPooling2D", "strided")
    rejects(checks.check_dcgan_discriminator, discriminator(strides=1), "Conv2D 1", "strides=2")
    rejects(checks.check_dcgan_discriminator, discriminator(sigmoid=True), "sigmoid", "logit")
    rejects(checks.check_dcgan_discriminator, discriminator(kernel_size=3), "kernel_size=5")
    rejects(checks.check_dcgan_discriminator, discriminator(leaky=False), "LeakyReLU")
    rejects(checks.check_dcgan_discriminator, discriminator(filters=(32, 128)), "64 filters")


def test_smoothed_discriminator_loss():
    def reference(real, fake, smoothing):
        real_term = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.fill(tf.shape(real), 1.0 - smoothing), logits=real)
        fake_term = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros_like(fake), logits=fake)
        return tf.reduce_mean(real_term) + tf.reduce_mean(fake_term)

    def two_sided(real, fake, smoothing):
        real_term = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.fill(tf.shape(real), 1.0 - smoothing), logits=real)
        fake_term = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.fill(tf.shape(fake), smoothing), logits=fake)
        return tf.reduce_mean(real_term) + tf.reduce_mean(fake_term)

    def target_is_s(real, fake, smoothing):
        return reference(real, fake, 1.0 - smoothing)

    def fixed_point_nine(real, fake, smoothing):
        return reference(real, fake, 0.1)

    accepts(checks.check_smoothed_discriminator_loss, reference)
    accepts(checks.check_smoothed_discriminator_loss,
            lambda r, f, s: losses.minimax_discriminator_loss(r, f, label_smoothing=s))
    rejects(checks.check_smoothed_discriminator_loss, two_sided, "one-sided")
    rejects(checks.check_smoothed_discriminator_loss, target_is_s, "1 − s")
    rejects(checks.check_smoothed_discriminator_loss, fixed_point_nine, "argument")
    rejects(checks.check_smoothed_discriminator_loss, lambda r, f, s: reference(r, f, 0.0), "no smoothing")


def test_auxiliary_classifier_loss():
    def reference(labels, class_logits):
        return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, class_logits, from_logits=True))

    def as_probabilities(labels, class_logits):
        return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, class_logits))

    def summed(labels, class_logits):
        return tf.reduce_sum(keras.losses.sparse_categorical_crossentropy(labels, class_logits, from_logits=True))

    def binary(labels, class_logits):
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(tf.one_hot(labels, 10), class_logits))

    accepts(checks.check_auxiliary_classifier_loss, reference)
    accepts(checks.check_auxiliary_classifier_loss, losses.auxiliary_classifier_loss)
    rejects(checks.check_auxiliary_classifier_loss, as_probabilities, "from_logits=True")
    rejects(checks.check_auxiliary_classifier_loss, summed, "mean")
    rejects(checks.check_auxiliary_classifier_loss, binary, "softmax")


def test_every_check_is_listed_for_a_notebook():
    listed = {check.__name__ for group in checks.ALL_CHECKS.values() for check in group}
    public = {name for name in checks.__all__ if name.startswith("check_")}
    assert listed == public
    assert all(len(group) >= 2 for group in checks.ALL_CHECKS.values())


# -- notebook 10: privacy distance and spectral trace ---------------------------------------------
def test_distance_to_closest_record_check_accepts_the_package_and_names_typical_mistakes(capsys):
    from gan_utils import privacy

    assert checks.check_distance_to_closest_record(privacy.distance_to_closest_record) is True

    def unscaled(rows, training):
        return np.sqrt(((rows[:, None] - training[None]) ** 2).sum(-1)).min(axis=1)

    def squared(rows, training):
        return privacy.distance_to_closest_record(rows, training) ** 2

    def mean_only(rows, training):
        return privacy.distance_to_closest_record(rows, training).mean()

    capsys.readouterr()
    for fn, words in ((unscaled, "not scaled"), (squared, "square root"), (mean_only, "not their mean")):
        assert checks.check_distance_to_closest_record(fn) is False
        assert words in capsys.readouterr().out


def test_high_frequency_share_check_accepts_the_package_and_names_typical_mistakes(capsys):
    from gan_utils import spectra

    assert checks.check_high_frequency_share(spectra.high_frequency_share) is True

    def low_share(images, low=7):
        return 1 - spectra.high_frequency_share(images, low)

    def magnitude(images, low=7):
        x = images - images.mean(axis=(1, 2), keepdims=True)
        spec = np.fft.fftshift(np.abs(np.fft.fft2(x)), axes=(1, 2))
        inner = spec[:, 14 - low:15 + low, 14 - low:15 + low].sum(axis=(1, 2))
        return float(np.mean(1 - inner / spec.sum(axis=(1, 2))))

    def no_mean(images, low=7):
        spec = np.fft.fftshift(np.abs(np.fft.fft2(images)) ** 2, axes=(1, 2))
        inner = spec[:, 14 - low:15 + low, 14 - low:15 + low].sum(axis=(1, 2))
        return float(np.mean(1 - inner / spec.sum(axis=(1, 2))))

    capsys.readouterr()
    for fn, words in ((low_share, "outside"), (magnitude, "power"), (no_mean, "mean first")):
        assert checks.check_high_frequency_share(fn) is False
        assert words in capsys.readouterr().out


# -- notebook 09: InfoGAN's information loss, the semi-supervised GAN's unsupervised loss ------------------------
def test_info_loss_check_accepts_the_package_and_names_typical_mistakes(capsys):
    from gan_utils import infogan

    assert checks.check_info_loss(infogan.info_loss) is True

    def no_half(cat_logits, cont_mean, cat_code, cont_code, cont_weight=0.1):
        ce = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=cat_code, logits=cat_logits))
        return ce + cont_weight * tf.reduce_mean(tf.reduce_sum(tf.square(cont_code - cont_mean), axis=-1))

    def categorical_only(cat_logits, cont_mean, cat_code, cont_code, cont_weight=0.1):
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=cat_code, logits=cat_logits))

    capsys.readouterr()
    for fn, words in ((no_half, "½ is missing"), (categorical_only, "only the categorical term")):
        assert checks.check_info_loss(fn) is False
        assert words in capsys.readouterr().out


def test_unsupervised_loss_check_accepts_a_stable_answer_and_rejects_naive_and_swapped_ones(capsys):
    def stable(unlabeled, fake):
        return (tf.reduce_mean(tf.math.softplus(-tf.reduce_logsumexp(unlabeled, axis=1)))
                + tf.reduce_mean(tf.math.softplus(tf.reduce_logsumexp(fake, axis=1))))

    def naive(unlabeled, fake):
        z_u, z_f = tf.reduce_sum(tf.exp(unlabeled), axis=1), tf.reduce_sum(tf.exp(fake), axis=1)
        return -tf.reduce_mean(tf.math.log(z_u / (z_u + 1))) - tf.reduce_mean(tf.math.log(1 / (z_f + 1)))

    def swapped(unlabeled, fake):
        return stable(fake, unlabeled)

    assert checks.check_unsupervised_loss(stable) is True
    capsys.readouterr()
    assert checks.check_unsupervised_loss(naive) is False
    assert "non-finite" in capsys.readouterr().out
    assert checks.check_unsupervised_loss(swapped) is False
    assert "swapped" in capsys.readouterr().out


# -- notebook 07: PSNR, pix2pix's generator loss ----------------------------------------------------------------
def test_psnr_check_accepts_the_package_and_names_typical_mistakes(capsys):
    from gan_utils import translation

    assert checks.check_psnr(translation.psnr) is True

    def mse_of(a, b):
        return ((np.asarray(a) - np.asarray(b)) ** 2).reshape(len(a), -1).mean(axis=1)

    def peak_one(a, b):
        return float(np.mean(10 * np.log10(1 / mse_of(a, b))))

    def pooled(a, b):
        return float(10 * np.log10(4 / mse_of(a, b).mean()))

    def natural_log(a, b):
        return float(np.mean(10 * np.log(4 / mse_of(a, b))))

    capsys.readouterr()
    for fn, words in ((peak_one, "peak² = 4"), (pooled, "each image"), (natural_log, "log10")):
        assert checks.check_psnr(fn) is False
        assert words in capsys.readouterr().out


def test_pix2pix_generator_loss_check_accepts_the_package_and_names_typical_mistakes(capsys):
    from gan_utils import translation

    assert checks.check_pix2pix_generator_loss(translation.pix2pix_generator_loss) is True

    def squared(fake_logits, fake, real, l1_weight=100.0):
        return (tf.reduce_mean(tf.nn.softplus(-fake_logits))
                + l1_weight * tf.reduce_mean(tf.square(real - fake)))

    def no_weight(fake_logits, fake, real, l1_weight=100.0):
        return tf.reduce_mean(tf.nn.softplus(-fake_logits)) + tf.reduce_mean(tf.abs(real - fake))

    def wrong_label(fake_logits, fake, real, l1_weight=100.0):
        return tf.reduce_mean(tf.nn.softplus(fake_logits)) + l1_weight * tf.reduce_mean(tf.abs(real - fake))

    def not_done(fake_logits, fake, real, l1_weight=100.0):
        raise NotImplementedError

    capsys.readouterr()
    for fn, words in ((squared, "not the squared error"), (no_weight, "multiply the L1 term"),
                      (wrong_label, "label 1"), (not_done, "not implemented yet")):
        assert checks.check_pix2pix_generator_loss(fn) is False
        assert words in capsys.readouterr().out


# -- notebook 08: the minibatch standard deviation, the truncation trick ------------------------------------------
def test_minibatch_stddev_check_accepts_the_package_and_names_typical_mistakes(capsys):
    from gan_utils import progressive

    def package(x, group_size=4):
        return progressive.MinibatchStdDev(group_size)(x)

    def written(x, group_size=4, epsilon=1e-8, ddof=0, root=True, centre=True):
        """A NumPy answer with one slip switched on at a time."""
        x = np.asarray(x, "float64")
        g = x.reshape(group_size, len(x) // group_size, *x.shape[1:])
        centred = g - g.mean(axis=0, keepdims=True) if centre else g
        var = (centred ** 2).sum(axis=0) / (group_size - ddof)
        s = (np.sqrt(var + epsilon) if root else var + epsilon).mean(axis=(1, 2, 3))
        s = np.tile(s, group_size)[:, None, None, None] * np.ones((*x.shape[:-1], 1))
        return np.concatenate([x, s], axis=-1)

    def wrong_axis(x, group_size=4):
        s = x.std(axis=(1, 2, 3))[:, None, None, None] * np.ones((*x.shape[:-1], 1))
        return np.concatenate([x, s], axis=-1)

    def one_group(x, group_size=4):
        return written(x, group_size=len(x))

    def only_the_statistic(x, group_size=4):
        return written(x, group_size)[..., -1:]

    assert checks.check_minibatch_stddev(package) is True
    assert checks.check_minibatch_stddev(written) is True
    capsys.readouterr()
    for fn, words in ((lambda x, group_size=4: written(x, group_size, root=False), "not a variance"),
                      (lambda x, group_size=4: written(x, group_size, epsilon=0.0), "inside the square root"),
                      (lambda x, group_size=4: written(x, group_size, ddof=1), "population variance"),
                      (lambda x, group_size=4: written(x, group_size, centre=False), "subtract the group's mean"),
                      (wrong_axis, "across the samples of a group"), (one_group, "groups of group_size"),
                      (lambda x, group_size=4: written(x, 4), "use the group_size argument"),
                      (only_the_statistic, "one more channel")):
        assert checks.check_minibatch_stddev(fn) is False
        out = capsys.readouterr().out
        assert out.startswith("✗") and words in out, out


def test_truncation_check_accepts_the_package_and_names_typical_mistakes(capsys):
    from gan_utils.checks.style import reference_truncate

    assert checks.check_truncation(reference_truncate) is True
    assert checks.check_truncation(lambda w, w_avg, psi: w_avg + psi * (w - w_avg)) is True
    assert checks.check_truncation(lambda w, w_avg, psi: tf.constant(w_avg) + psi * (tf.constant(w) - w_avg)) is True
    capsys.readouterr()
    for fn, words in ((lambda w, w_avg, psi: w + psi * (w_avg - w), "runs the wrong way"),
                      (lambda w, w_avg, psi: psi * w_avg + (w - w_avg), "not w_avg"),
                      (lambda w, w_avg, psi: psi * w, "towards 0"),
                      (lambda w, w_avg, psi: w_avg - psi * (w - w_avg), "mind the sign"),
                      (lambda w, w_avg, psi: w.mean(0) + psi * (w - w.mean(0)), "not the mean of this batch"),
                      (lambda w, w_avg, psi: (w_avg + psi * (w - w_avg)).mean(0), "one truncated w per row")):
        assert checks.check_truncation(fn) is False
        out = capsys.readouterr().out
        assert out.startswith("✗") and words in out, out
