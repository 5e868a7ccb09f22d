"""GAN losses as named generator/discriminator pairs, computed from logits.

Notation: ``real`` = D(x) and ``fake`` = D(G(z)) are the discriminator's *logits*
(critic scores for Wasserstein and hinge); sigma is the logistic sigmoid. Every
loss is a mean over the batch and is written with softplus, so it stays finite for
any logit (softplus(t) = log(1 + e^t), -log sigma(t) = softplus(-t),
log(1 - sigma(t)) = -softplus(t)).

Introduced in 01_vanilla_gan.ipynb (minimax, non-saturating), 03_training_pitfalls.ipynb
(label smoothing), 04_wgan.ipynb (Wasserstein, gradient penalty, least squares, hinge).
"""
from dataclasses import dataclass
from typing import Callable

import tensorflow as tf


def minimax_discriminator_loss(real, fake, label_smoothing=0.0):
    """L_D = -[ (1-s)·log sigma(real) + s·log(1-sigma(real)) ] - log(1 - sigma(fake)).

    Binary cross-entropy with real label 1 and fake label 0 (Goodfellow et al. 2014).
    ``label_smoothing`` s (default 0.0) is one-sided (Salimans et al. 2016): the real
    target becomes 1 - s; fake targets stay 0.
    """
    real_target = tf.fill(tf.shape(real), 1.0 - label_smoothing)
    real_loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=real_target, logits=real)
    fake_loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros_like(fake), logits=fake)
    return tf.reduce_mean(real_loss) + tf.reduce_mean(fake_loss)


def minimax_generator_loss(fake):
    """Saturating loss of the original minimax game: L_G = log(1 - sigma(fake)) = -softplus(fake).

    Its gradient vanishes when D confidently rejects fakes (sigma(fake) -> 0), early in training.
    """
    return -tf.reduce_mean(tf.math.softplus(fake))


def non_saturating_generator_loss(fake):
    """Non-saturating loss: L_G = -log sigma(fake) = softplus(-fake) (Goodfellow et al. 2014, §3)."""
    return tf.reduce_mean(tf.math.softplus(-fake))


def wasserstein_critic_loss(real, fake):
    """L_C = mean(C(G(z))) - mean(C(x)) (Arjovsky et al. 2017); -L_C estimates W1 up to scale."""
    return tf.reduce_mean(fake) - tf.reduce_mean(real)


def wasserstein_generator_loss(fake):
    """L_G = -mean(C(G(z)))."""
    return -tf.reduce_mean(fake)


def least_squares_discriminator_loss(real, fake):
    """LSGAN (Mao et al. 2017): L_D = ½·mean((D(x) - 1)²) + ½·mean(D(G(z))²) on raw outputs."""
    return 0.5 * tf.reduce_mean(tf.square(real - 1.0)) + 0.5 * tf.reduce_mean(tf.square(fake))


def least_squares_generator_loss(fake):
    """LSGAN: L_G = ½·mean((D(G(z)) - 1)²)."""
    return 0.5 * tf.reduce_mean(tf.square(fake - 1.0))


def hinge_discriminator_loss(real, fake):
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018): L_D = mean(relu(1 - D(x))) + mean(relu(1 + D(G(z))))."""
    return tf.reduce_mean(tf.nn.relu(1.0 - real)) + tf.reduce_mean(tf.nn.relu(1.0 + fake))


def hinge_generator_loss(fake):
    """Hinge loss: L_G = -mean(D(G(z)))."""
    return -tf.reduce_mean(fake)


def gradient_penalty(critic, real, fake, labels=None, alpha=None, epsilon=1e-12, return_norms=False):
    """WGAN-GP penalty (Gulrajani et al. 2017): GP = mean((sqrt(sum(grad²) + epsilon) - 1)²).

    grad = d C(x̂) / d x̂ at x̂ = alpha·x + (1 - alpha)·G(z), alpha ~ U(0, 1) drawn once
    per sample (pass ``alpha`` of shape (N, 1, 1, 1) to fix it). ``epsilon`` (1e-12) sits
    inside the square root so the norm's gradient is finite at 0. Multiply by λ (10) yourself.
    """
    real = tf.cast(real, tf.float32)
    fake = tf.cast(fake, tf.float32)
    if alpha is None:
        shape = tf.concat([tf.shape(real)[:1], tf.ones([tf.rank(real) - 1], tf.int32)], axis=0)
        alpha = tf.random.uniform(shape, 0.0, 1.0)
    interpolates = alpha * real + (1.0 - alpha) * fake
    with tf.GradientTape() as tape:
        tape.watch(interpolates)
        scores = critic(interpolates if labels is None else [interpolates, labels], training=True)
    grads = tape.gradient(scores, interpolates)
    axes = list(range(1, len(real.shape)))
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=axes) + epsilon)
    penalty = tf.reduce_mean(tf.square(norms - 1.0))
    return (penalty, norms) if return_norms else penalty


def r1_penalty(discriminator, real, labels=None):
    """R1 penalty (Mescheder et al. 2018; StyleGAN's regulariser): mean over the batch of ||∇ₓ D(x)||² at the
    *real* images x, which pushes the discriminator to be flat on the data, so it stops pushing the generator once
    the fakes sit on the data. Multiply by γ/2 yourself (``GANSteps(r1_gamma=γ)`` does). Computed in float32."""
    real = tf.cast(real, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(real)
        scores = discriminator(real if labels is None else [real, labels], training=True)
        total = tf.reduce_sum(tf.cast(scores, tf.float32))
    grads = tape.gradient(total, real)
    return tf.reduce_mean(tf.reduce_sum(tf.square(grads), axis=list(range(1, len(real.shape)))))


@dataclass(frozen=True)
class LossPair:
    """A generator loss and the discriminator loss it is played against.

    ``probabilistic``: the discriminator's output is a logit of P(real), so sigma(D) is shown
    as D(x) and D(G(z)) in the health curves; otherwise raw scores are shown.
    """

    name: str
    generator: Callable
    discriminator: Callable
    probabilistic: bool


LOSS_PAIRS = {
    pair.name: pair
    for pair in (
        LossPair("minimax", minimax_generator_loss, minimax_discriminator_loss, True),
        LossPair("non-saturating", non_saturating_generator_loss, minimax_discriminator_loss, True),
        LossPair("wasserstein", wasserstein_generator_loss, wasserstein_critic_loss, False),
        LossPair("least-squares", least_squares_generator_loss, least_squares_discriminator_loss, False),
        LossPair("hinge", hinge_generator_loss, hinge_discriminator_loss, False),
    )
}


def get_loss_pair(name):
    """Return the ``LossPair`` called ``name`` (or ``name`` itself if it already is one)."""
    if isinstance(name, LossPair):
        return name
    if name not in LOSS_PAIRS:
        raise ValueError(f"Unknown loss {name!r}; choose one of {', '.join(LOSS_PAIRS)}.")
    return LOSS_PAIRS[name]


def feature_matching_loss(real_features, fake_features):
    """Feature matching (Salimans et al. 2016, §3.1), a generator loss played against the usual
    discriminator loss: L_G = ‖ mean_x f(x) − mean_z f(G(z)) ‖², f = an intermediate layer of D.
    03_training_pitfalls.ipynb; used by ``remedies.FeatureMatchingSteps``."""
    real_mean = tf.reduce_mean(tf.cast(real_features, tf.float32), axis=0)
    fake_mean = tf.reduce_mean(tf.cast(fake_features, tf.float32), axis=0)
    return tf.reduce_sum(tf.square(real_mean - fake_mean))


def auxiliary_classifier_loss(labels, class_logits):
    """AC-GAN class loss (Odena et al. 2017): L_cls = −mean log softmax(c(x))[y], cross-entropy of the
    discriminator's class logits c(x) against the digit y. D minimises it on real digits and on fakes
    with the digit they were asked to show (as in the paper; ``AuxiliaryClassifierSteps(fake_class_loss=False)``
    keeps real digits only), G on its fakes for the requested digit (draw a recognisable y).
    05_conditional_gan.ipynb."""
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(labels, tf.int32), logits=tf.cast(class_logits, tf.float32)))
