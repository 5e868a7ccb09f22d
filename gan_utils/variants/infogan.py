"""InfoGAN (Chen et al. 2016): a GAN whose latent input carries codes that the generator must keep readable.

The generator's input is one vector of 62 + 10 + 2 = 74 numbers, in this order::

    [ z (62, N(0, 1)) | c1 one-hot (10, uniform categorical) | c2, c3 (2, U(-1, 1)) ]

so it is an ordinary single-input generator of the course (``Trainer``, ``sampling`` and the EMA work
unchanged). The discriminator has a shared convolutional body and two heads: the real/fake logit, and Q,
an estimate of the codes from the image (10 categorical logits for c1, 2 means for c2, c3; Q's Gaussian
has a *fixed unit variance*, so only its mean is learned).

Nothing tells the model what the codes mean: maximising a lower bound on the mutual information
I(c; G(z, c)) (``info_loss``: minus the log-likelihood Q assigns to the codes that made each fake, up to
a constant) makes G put the codes into features Q can read back, and on MNIST c1 usually ends up holding
the digit class and c2, c3 slant and stroke width. ``InfoGANSteps``: D's step trains D's body, logit head
and Q (adversarial loss + ``info_weight`` · info loss on fakes); G's step trains G (adversarial loss +
the same info loss). ``latent_with_codes`` builds inputs with chosen codes for sampling grids.
09_control_and_inference.ipynb.
"""
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_utils.core.data import IMAGE_SHAPE
from gan_utils.core.kinds import model_kind, with_kind
from gan_utils.core.models import dcgan_generator_body, build_mlp_generator, is_conditional
from gan_utils.core.train import GANSteps
from gan_utils.core.steps_base import apply_gradients_of

NOISE_DIM = 62
NUM_CATEGORIES = 10
NUM_CONTINUOUS = 2
INFOGAN_LATENT_DIM = NOISE_DIM + NUM_CATEGORIES + NUM_CONTINUOUS  # 74


def _check_same_batch(names, tensors):
    """Raise a ValueError if the batch sizes known when tracing differ (unknown ones are skipped)."""
    sizes = {n: t.shape[0] for n, t in zip(names, tensors) if t.shape[0] is not None}
    if len(set(sizes.values())) > 1:
        raise ValueError(f"{', '.join(names)} must have one row per example; got batch sizes {sizes}.")


def info_loss(cat_logits, cont_mean, cat_code, cont_code, cont_weight=0.1, return_terms=False):
    """InfoGAN's L_I, the negative log-likelihood Q gives to the codes c that made each fake, up to a constant:

        L_I = mean_n[ −log softmax(cat_logits_n)[c1_n] ] + cont_weight · mean_n[ ½ Σ_j (c_nj − μ_nj)² ]

    The first term is the cross-entropy of the categorical code; the second the Gaussian NLL with fixed unit
    variance, −log N(c; μ, 1) = ½ (c − μ)² + ½ log 2π, without the constant (summed over the continuous codes,
    averaged over the batch). With ``cont_weight`` = 1, H(c) − L_I is, up to that constant, the variational lower
    bound on I(c; G(z, c)) that InfoGAN maximises (H(c) is fixed, so minimising L_I maximises the bound);
    ``cont_weight`` (0.1 by default) down-weights the continuous codes against the categorical one.

    ``cat_logits`` (n, K), ``cont_mean`` (n, C): Q's outputs. ``cat_code``: the categorical code, integer
    categories (n,) or one-hot (n, K); ``cont_code`` (n, C). ``return_terms=True`` returns
    ``(total, categorical, continuous)`` (continuous without the weight). 09_control_and_inference.ipynb.
    """
    if isinstance(cont_weight, (int, float)) and cont_weight < 0:
        raise ValueError(f"cont_weight must be >= 0 (it weights a negative log-likelihood), got {cont_weight}.")
    cat_logits = tf.cast(cat_logits, tf.float32)
    cont_mean = tf.cast(cont_mean, tf.float32)
    cat_code = tf.convert_to_tensor(cat_code)
    cont_code = tf.cast(cont_code, tf.float32)
    if cat_logits.shape.rank != 2 or cont_mean.shape.rank != 2:
        raise ValueError(f"cat_logits and cont_mean must be (batch, K) and (batch, C) (Q's two outputs), got shapes "
                         f"{tuple(cat_logits.shape)} and {tuple(cont_mean.shape)}.")
    num_categories = cat_logits.shape[-1]
    if cat_code.shape.rank == 1:
        if not cat_code.dtype.is_integer:
            raise ValueError(f"cat_code of shape (batch,) must hold integer categories, got dtype {cat_code.dtype.name}; "
                             "pass integers 0..K-1 or a one-hot (batch, K) array.")
    elif cat_code.shape.rank == 2:
        if cat_code.shape[-1] != num_categories:
            raise ValueError(f"one-hot cat_code has {cat_code.shape[-1]} columns but Q has {num_categories} "
                             "categorical logits; they must match.")
    else:
        raise ValueError(f"cat_code must be integer categories (batch,) or one-hot (batch, K), got shape "
                         f"{tuple(cat_code.shape)}.")
    if cont_code.shape.rank != 2 or cont_code.shape[-1] != cont_mean.shape[-1]:
        raise ValueError(f"cont_code must have the shape of cont_mean (batch, {cont_mean.shape[-1]}), got "
                         f"{tuple(cont_code.shape)}.")
    _check_same_batch(["cat_logits", "cont_mean", "cat_code", "cont_code"], [cat_logits, cont_mean, cat_code, cont_code])
    if cat_code.shape.rank == 1:
        categorical = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(cat_code, tf.int32), logits=cat_logits)
    else:
        categorical = tf.nn.softmax_cross_entropy_with_logits(labels=tf.cast(cat_code, tf.float32), logits=cat_logits)
    categorical = tf.reduce_mean(categorical)
    continuous = tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(cont_code - cont_mean), axis=-1))
    total = categorical + cont_weight * continuous
    return (total, categorical, continuous) if return_terms else total


def latent_with_codes(z, categories, continuous, num_categories=NUM_CATEGORIES):
    """The generator input [z | one_hot(categories) | continuous] (float32 tensor (n, noise_dim + K + C)) for
    sampling with chosen codes, e.g. one row of a grid per z, one column per category.

    ``z`` (n, noise_dim); ``categories``: one integer in 0..K-1 for all rows, or (n,) integers;
    ``continuous``: (C,) for all rows or (n, C) (the training range is [-1, 1]; values outside it extrapolate).
    Eager helper (NumPy inside), not for use in a ``tf.function``. 09_control_and_inference.ipynb.
    """
    z = np.asarray(z, dtype="float32")
    if z.ndim != 2:
        raise ValueError(f"z must be a (n, noise_dim) array, e.g. rng.normal((n, {NOISE_DIM})), got shape {z.shape}.")
    n = z.shape[0]
    if isinstance(num_categories, bool) or int(num_categories) != num_categories or num_categories < 2:
        raise ValueError(f"num_categories must be an integer >= 2, got {num_categories!r}.")
    categories = np.asarray(categories)
    if categories.ndim == 0:
        categories = np.full(n, categories)
    if categories.shape != (n,):
        raise ValueError(f"categories must be one integer or {n} integers (one per row of z), got shape {categories.shape}.")
    if not np.issubdtype(categories.dtype, np.integer):
        raise ValueError(f"categories must be integers in 0..{num_categories - 1}, got dtype {categories.dtype}.")
    if n and (categories.min() < 0 or categories.max() >= num_categories):
        raise ValueError(f"categories must be in 0..{num_categories - 1}, got values in "
                         f"[{categories.min()}, {categories.max()}].")
    continuous = np.asarray(continuous, dtype="float32")
    if continuous.ndim == 1:
        continuous = np.broadcast_to(continuous, (n, continuous.shape[0]))
    if continuous.ndim != 2 or continuous.shape[0] != n:
        raise ValueError(f"continuous must be (C,) for all rows or (n, C) with n = {n} rows of z, "
                         f"got shape {continuous.shape}.")
    one_hot = np.eye(int(num_categories), dtype="float32")[categories]
    return tf.constant(np.concatenate([z, one_hot, continuous], axis=1))


def build_infogan_generator(noise_dim=NOISE_DIM, num_categories=NUM_CATEGORIES, num_continuous=NUM_CONTINUOUS,
                            filters=(128, 64, 32), kernel_size=5, batch_norm=True, name="infogan_generator"):
    """[z | c1 one-hot | c2, c3] (noise_dim + num_categories + num_continuous = 74) -> the DCGAN generator body
    (Dense 7·7·f0 -> ConvT f1 -> ConvT f2 s2 -> ConvT 1 s2 tanh) -> (28, 28, 1) in [-1, 1]. The default
    filters are the half-width DCGAN generator of 04 (``models.build_wgan_generator``)."""
    for arg, value, low in (("noise_dim", noise_dim, 1), ("num_categories", num_categories, 2),
                            ("num_continuous", num_continuous, 0)):
        if isinstance(value, bool) or int(value) != value or value < low:
            raise ValueError(f"{arg} must be an integer >= {low}, got {value!r}.")
    latent = keras.Input((noise_dim + num_categories + num_continuous,), name="z_and_codes")
    return _as_infogan(keras.Model(latent, dcgan_generator_body(latent, filters, kernel_size, batch_norm), name=name),
                       num_categories, num_continuous)


def _as_infogan(model, num_categories, num_continuous):
    """``model`` stamped as an InfoGAN generator (``kinds``): what ``sampling`` reads, not its name."""
    return with_kind(model, "infogan", num_categories=int(num_categories), num_continuous=int(num_continuous))


def build_infogan_mlp_generator(noise_dim=NOISE_DIM, num_categories=NUM_CATEGORIES, num_continuous=NUM_CONTINUOUS,
                                hidden=(256, 512, 1024), batch_norm=True, name="infogan_generator"):
    """An MLP generator for the InfoGAN input [z | c1 one-hot | c2, c3] (74 numbers by default) -> (28, 28, 1) tanh.

    ``batch_norm=True``: [Dense (no bias) -> BatchNorm -> ReLU] per hidden width, the fully connected part of
    Chen et al.'s MNIST generator; ``batch_norm=False``: 01's MLP (Dense -> LeakyReLU(0.2)). Its kind ("infogan",
    with the code sizes; ``kinds``) is saved with it, so that ``sampling`` recognises a saved InfoGAN and draws its
    codes correctly (one-hot c1, uniform c2, c3) instead of feeding it 74 Gaussian numbers. An MLP keeps an InfoGAN run of a few thousand
    iterations within minutes on a CPU. 09_control_and_inference.ipynb."""
    for arg, value, low in (("noise_dim", noise_dim, 1), ("num_categories", num_categories, 2),
                            ("num_continuous", num_continuous, 0)):
        if isinstance(value, bool) or int(value) != value or value < low:
            raise ValueError(f"{arg} must be an integer >= {low}, got {value!r}.")
    latent_dim = noise_dim + num_categories + num_continuous
    if not batch_norm:
        return _as_infogan(build_mlp_generator(latent_dim=latent_dim, hidden=hidden, name=name), num_categories,
                           num_continuous)
    latent = keras.Input((latent_dim,), name="z_and_codes")
    x = latent
    for units in hidden:
        x = layers.ReLU()(layers.BatchNormalization()(layers.Dense(units, use_bias=False)(x)))
    x = layers.Dense(int(np.prod(IMAGE_SHAPE)), activation="tanh", dtype="float32")(x)
    return _as_infogan(keras.Model(latent, layers.Reshape(IMAGE_SHAPE, dtype="float32")(x), name=name),
                       num_categories, num_continuous)


def is_infogan_generator(model):
    """True for a generator built by ``build_infogan_generator`` / ``build_infogan_mlp_generator``: its stored kind
    (``kinds.model_kind``), whatever its name."""
    return model_kind(model)["kind"] == "infogan"


def sample_codes(n, rng, code=None, num_categories=NUM_CATEGORIES, num_continuous=NUM_CONTINUOUS, noise_dim=NOISE_DIM):
    """``n`` InfoGAN inputs drawn as in training, from a NumPy ``rng``: z ~ N(0, I), c1 uniform over the categories
    (or fixed to ``code``), continuous codes ~ U(-1, 1). Returns ``(latent, categories)``. Used by
    ``sampling.generate_digits`` (``python -m gan_utils sample --code K``). 09_control_and_inference.ipynb."""
    if code is not None and (isinstance(code, bool) or int(code) != code or not 0 <= code < num_categories):
        raise ValueError(f"code must be an integer in 0..{num_categories - 1} (a value of the categorical code c1), "
                         f"got {code!r}.")
    z = rng.normal(size=(n, noise_dim)).astype("float32")
    categories = np.full(n, int(code)) if code is not None else rng.integers(0, num_categories, size=n)
    continuous = rng.uniform(-1, 1, size=(n, num_continuous)).astype("float32")
    return latent_with_codes(z, categories, continuous, num_categories), categories


def build_infogan_discriminator(input_shape=IMAGE_SHAPE, num_categories=NUM_CATEGORIES, num_continuous=NUM_CONTINUOUS,
                                filters=(64, 128), kernel_size=5, dropout=0.3, q_units=128, dense=(),
                                name="infogan_discriminator"):
    """D and Q sharing one body: image -> [Conv f s2 -> LReLU -> Dropout] per filter -> Flatten ("features"),
    or with ``dense`` (e.g. ``filters=(), dense=(512, 256)``, the MLP body 09 trains on a CPU) -> Flatten ->
    [Dense u -> LReLU] per unit count, the last one named "features"; then three outputs, all float32:

    - ``logit`` (n, 1): Dense 1, the real/fake logit (the DCGAN discriminator's);
    - ``cat_logits`` (n, K): Q's categorical logits for c1, after Dense ``q_units`` + LReLU ("q_hidden");
    - ``cont_mean`` (n, C): Q's means for c2, c3 from the same hidden layer (unit variance, not learned).
    """
    if isinstance(num_categories, bool) or int(num_categories) != num_categories or num_categories < 2:
        raise ValueError(f"num_categories must be an integer >= 2, got {num_categories!r}.")
    if isinstance(num_continuous, bool) or int(num_continuous) != num_continuous or num_continuous < 0:
        raise ValueError(f"num_continuous must be an integer >= 0, got {num_continuous!r}.")
    image = keras.Input(input_shape, name="image")
    x = image
    for f in filters:
        x = layers.LeakyReLU()(layers.Conv2D(f, kernel_size, strides=2, padding="same")(x))
        if dropout:
            x = layers.Dropout(dropout)(x)
    if dense:  # an MLP body (filters=(), dense=(512, 256)): much faster on a CPU
        x = layers.Flatten()(x)
        for i, units in enumerate(dense):
            x = layers.LeakyReLU(name="features" if i == len(dense) - 1 else None)(layers.Dense(units)(x))
            if dropout and i < len(dense) - 1:
                x = layers.Dropout(dropout)(x)
        features = x
    else:
        features = layers.Flatten(name="features")(x)
    logit = layers.Dense(1, dtype="float32", name="logit")(features)
    q = layers.LeakyReLU()(layers.Dense(q_units, name="q_hidden")(features))
    cat_logits = layers.Dense(num_categories, dtype="float32", name="cat_logits")(q)
    cont_mean = layers.Dense(num_continuous, dtype="float32", name="cont_mean")(q)
    return keras.Model(image, [logit, cat_logits, cont_mean], name=name)


def build_chen_generator(noise_dim=NOISE_DIM, num_categories=NUM_CATEGORIES, num_continuous=NUM_CONTINUOUS,
                         name="infogan_generator"):
    """Chen et al.'s MNIST generator (their Table 1 and reference code): [z | c1 one-hot | c2, c3] -> FC 1024 ->
    BN -> ReLU -> FC 7·7·128 -> BN -> ReLU -> 4×4 transposed conv 64, stride 2 -> BN -> ReLU -> 4×4 transposed
    conv 1, stride 2 -> (28, 28, 1), tanh (their sigmoid, in the course's [-1, 1]). Stamped "infogan" (``kinds``)."""
    latent = keras.Input((noise_dim + num_categories + num_continuous,), name="z_and_codes")
    x = layers.ReLU()(layers.BatchNormalization()(layers.Dense(1024, use_bias=False)(latent)))
    x = layers.ReLU()(layers.BatchNormalization()(layers.Dense(7 * 7 * 128, use_bias=False)(x)))
    x = layers.Reshape((7, 7, 128))(x)
    x = layers.ReLU()(layers.BatchNormalization()(layers.Conv2DTranspose(64, 4, strides=2, padding="same",
                                                                         use_bias=False)(x)))
    image = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh", dtype="float32")(x)
    return _as_infogan(keras.Model(latent, image, name=name), num_categories, num_continuous)


def build_chen_discriminator(num_categories=NUM_CATEGORIES, num_continuous=NUM_CONTINUOUS, leak=0.1,
                             name="infogan_discriminator"):
    """Chen et al.'s MNIST discriminator and Q (Table 1): image -> 4×4 conv 64, stride 2 -> LReLU -> 4×4 conv 128,
    stride 2 -> BN -> LReLU -> FC 1024 -> BN -> LReLU ("features", shared) -> the real/fake logit; and Q: FC 128 ->
    BN -> LReLU -> ``cat_logits`` (K) and ``cont_mean`` (C). Same three outputs as ``build_infogan_discriminator``."""
    image = keras.Input(IMAGE_SHAPE, name="image")
    x = layers.LeakyReLU(leak)(layers.Conv2D(64, 4, strides=2, padding="same")(image))
    x = layers.LeakyReLU(leak)(layers.BatchNormalization()(layers.Conv2D(128, 4, strides=2, padding="same",
                                                                         use_bias=False)(x)))
    x = layers.Dense(1024, use_bias=False)(layers.Flatten()(x))
    features = layers.LeakyReLU(leak, name="features")(layers.BatchNormalization()(x))
    logit = layers.Dense(1, dtype="float32", name="logit")(features)
    q = layers.Dense(128, use_bias=False, name="q_hidden")(features)
    q = layers.LeakyReLU(leak)(layers.BatchNormalization()(q))
    cat_logits = layers.Dense(num_categories, dtype="float32", name="cat_logits")(q)
    cont_mean = layers.Dense(num_continuous, dtype="float32", name="cont_mean")(q)
    return keras.Model(image, [logit, cat_logits, cont_mean], name=name)


class InfoGANSteps(GANSteps):
    """``GANSteps`` for InfoGAN: a single-input generator of [z | c1 one-hot | c2..] and a discriminator with
    outputs ``[logit, cat_logits, cont_mean]`` (``build_infogan_discriminator``).

    The code sizes K and C are read from the discriminator's heads and the noise size from the generator's
    input (its width minus K + C). Every batch draws z ~ N(0, I), c1 ~ uniform over K, c ~ U(-1, 1)^C from
    the seeded ``self.rng``; ``noise(n)`` returns such full generator inputs, so the ``Trainer`` (fixed-noise
    grid included) works unchanged.

    - D step: adversarial D loss (``loss``, any pair of ``losses.LOSS_PAIRS``) on real vs fakes, plus
      ``info_weight`` · ``info_loss`` of Q on those fakes; updates all of D (body, logit head, Q).
    - G step: adversarial G loss plus ``g_info_weight`` · ``info_loss`` on fresh fakes; updates G only.
    ``g_info_weight`` defaults to ``info_weight`` (InfoGAN). ``g_info_weight=0`` with ``info_weight=1`` is the
    *control* of 09: Q still learns to read the codes from G's images, but G is never rewarded for making them
    readable, so Q's accuracy measures how much of the codes an ordinary GAN lets through on its own.
    ``cont_weight`` weights the continuous codes inside ``info_loss``. One device (no ``strategy``);
    float16 loss scaling works.
    """

    supports_strategy = True  # the steps use scale_for_gradients (loss scaling); a strategy is refused below

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, info_weight=1.0, cont_weight=0.1,
                 g_info_weight=None, **kwargs):
        if len(discriminator.outputs) != 3:
            raise ValueError("InfoGANSteps needs a discriminator with outputs [logit, cat_logits, cont_mean] "
                             f"(infogan.build_infogan_discriminator), got {len(discriminator.outputs)} output(s).")
        if is_conditional(generator) or len(generator.inputs) != 1:
            raise ValueError("InfoGANSteps needs a single-input generator of [z | c1 one-hot | continuous codes] "
                             "(infogan.build_infogan_generator); the codes replace the labels of a cGAN.")
        if kwargs.get("strategy") is not None:
            raise ValueError("InfoGANSteps runs on one device (its codes are not split across replicas); "
                             "pass strategy=None.")
        if kwargs.get("simultaneous") or kwargs.get("clip_value") is not None or kwargs.get("gp_weight"):
            raise ValueError("InfoGANSteps supports Algorithm 1 without clipping or gradient penalty.")
        g_info_weight = info_weight if g_info_weight is None else g_info_weight
        if info_weight < 0 or cont_weight < 0 or g_info_weight < 0:
            raise ValueError(f"info_weight, g_info_weight and cont_weight must be >= 0, got {info_weight}, "
                             f"{g_info_weight} and {cont_weight}.")
        num_categories = int(discriminator.outputs[1].shape[-1])
        num_continuous = int(discriminator.outputs[2].shape[-1])
        latent_dim = int(generator.inputs[0].shape[-1])
        if latent_dim <= num_categories + num_continuous:
            raise ValueError(f"the generator takes {latent_dim} numbers, but the codes alone take {num_categories} "
                             f"(one-hot c1) + {num_continuous} (continuous): build it with "
                             f"build_infogan_generator(noise_dim=..., num_categories={num_categories}, "
                             f"num_continuous={num_continuous}).")
        super().__init__(generator, discriminator, g_optimizer, d_optimizer, **kwargs)
        self.num_categories, self.num_continuous = num_categories, num_continuous
        self.noise_dim = latent_dim - num_categories - num_continuous
        self.info_weight, self.cont_weight = float(info_weight), float(cont_weight)
        self.g_info_weight = float(g_info_weight)

    # -- latent vectors and codes --------------------------------------------------
    def sample_latent(self, n):
        """``(latent, categories, continuous)``: ``n`` generator inputs [z | one_hot(c1) | c], with c1 (n,) int32
        and c (n, C) float32 the codes Q should recover. Drawn from ``self.rng`` in the order z, c1, c."""
        z = self.rng.normal((n, self.noise_dim))
        categories = self.rng.uniform((n,), 0, self.num_categories, dtype=tf.int32)
        continuous = self.rng.uniform((n, self.num_continuous), -1.0, 1.0)
        latent = tf.concat([z, tf.one_hot(categories, self.num_categories), continuous], axis=1)
        return latent, categories, continuous

    def noise(self, n):
        """``n`` full generator inputs with random codes (what the ``Trainer``'s fixed grid shows)."""
        return self.sample_latent(n)[0]

    # -- the two updates -----------------------------------------------------------
    def _d_step(self, real, labels=None):
        """Adversarial loss on real vs G(z, c), plus info_weight · L_I of Q on the fakes; updates D and Q."""
        latent, categories, continuous = self.sample_latent(tf.shape(real)[0])
        fake = self.generate(latent, training=True)  # outside the tape: D's step does not differentiate G
        with tf.GradientTape() as tape:
            real_out, _, _ = self.discriminate(real, training=True)
            fake_out, cat_logits, cont_mean = self.discriminate(fake, training=True)
            d_loss = self.d_loss_fn(real_out, fake_out)
            info, cat, cont = info_loss(cat_logits, cont_mean, categories, continuous, self.cont_weight,
                                        return_terms=True)
            total = self.scale_for_gradients(d_loss + self.info_weight * info, self.d_optimizer)
        variables = self.discriminator.trainable_variables
        grads = apply_gradients_of(tape, total, variables, self.d_optimizer)
        accuracy = tf.reduce_mean(tf.cast(tf.argmax(cat_logits, axis=1, output_type=tf.int32) == categories, tf.float32))
        return {"d_loss": d_loss, "d_info_loss": info, "d_cat_loss": cat, "d_cont_loss": cont,
                "d_cat_accuracy": accuracy, "d_grad_norm": self._grad_norm(grads, self.d_optimizer),
                **self._summary(real_out, fake_out)}

    def _g_step(self, batch_size):
        """Fool D and keep the codes readable by Q: adversarial G loss + g_info_weight · L_I; updates G only."""
        latent, categories, continuous = self.sample_latent(batch_size)
        with tf.GradientTape() as tape:
            fake_out, cat_logits, cont_mean = self.discriminate(self.generate(latent, training=True), training=True)
            g_loss = self.loss.generator(fake_out)
            info = info_loss(cat_logits, cont_mean, categories, continuous, self.cont_weight)
            total = self.scale_for_gradients(g_loss + self.g_info_weight * info, self.g_optimizer)
        variables = self.generator.trainable_variables
        grads = apply_gradients_of(tape, total, variables, self.g_optimizer)
        return {"g_loss": g_loss, "g_info_loss": info, "g_grad_norm": self._grad_norm(grads, self.g_optimizer)}


def code_agreement(generator, samples_per_code=1_000, seed=0, num_categories=NUM_CATEGORIES):
    """How well the categorical code c1 of an InfoGAN ``generator`` picks digits, read by the course classifier:
    ``samples_per_code`` samples per value of c1 (random z and continuous codes, NumPy seed ``seed + 50``).

    Returns ``counts`` (K, 10: code k -> digits read), ``mapping`` (each code's most frequent digit), ``agreement``
    (share of samples showing their code's most frequent digit), ``one_to_one`` (the same with one digit per code,
    the best such assignment by the Hungarian method: the unsupervised accuracy Chen et al. report as 5 % error),
    ``distinct`` (how many different digits the codes' majorities name) and ``confidence`` (the classifier's mean
    top probability). 09_control_and_inference.ipynb, scripts/train_infogan.py."""
    from scipy.optimize import linear_sum_assignment

    from gan_utils.core import data
    from gan_utils.evaluation import metrics

    if isinstance(samples_per_code, bool) or int(samples_per_code) != samples_per_code or samples_per_code < 1:
        raise ValueError(f"samples_per_code must be a positive integer, got {samples_per_code!r}.")
    kind = model_kind(generator)
    num_continuous = int(kind.get("num_continuous", NUM_CONTINUOUS))
    noise_dim = int(generator.inputs[0].shape[-1]) - num_categories - num_continuous
    rng = np.random.default_rng(seed + 50)
    codes = np.repeat(np.arange(num_categories), int(samples_per_code))
    z = rng.normal(size=(len(codes), noise_dim)).astype("float32")
    continuous = rng.uniform(-1, 1, size=(len(codes), num_continuous)).astype("float32")
    latent = latent_with_codes(z, codes, continuous, num_categories)
    images = data.to_uint8(generator.predict(latent, batch_size=1000, verbose=0))
    probs = metrics.classify(images)
    read = probs.argmax(axis=1)
    counts = np.array([np.bincount(read[codes == k], minlength=10) for k in range(num_categories)])
    mapping = counts.argmax(axis=1)
    rows, digits = linear_sum_assignment(-counts)
    return {"counts": counts, "mapping": mapping, "agreement": float(np.mean(read == mapping[codes])),
            "one_to_one": float(counts[rows, digits].sum() / len(codes)), "distinct": len(set(mapping.tolist())),
            "confidence": float(probs.max(axis=1).mean()), "images": images, "codes": codes, "continuous": continuous}


def sweep_correlations(generator, measure, code_index, n_sweeps=200, values=np.linspace(-1, 1, 9), seed=0,
                       num_categories=NUM_CATEGORIES):
    """Does continuous code ``code_index`` (0 for c2, 1 for c3) *control* a property? The way Chen et al. show it:
    hold everything else fixed and sweep the code. ``n_sweeps`` random (z, c1, other continuous codes) drawn as in
    training (NumPy seed ``seed``), each swept over ``values`` (default: 9 steps over the training range [-1, 1]);
    ``measure`` maps uint8 images (N, 28, 28, 1) to one number each (``editing.slant``, ``editing.width``).

    Returns the Spearman rank correlation between the code and the property *along each sweep*, (n_sweeps,): +1 or
    −1 when the property moves monotonically with the code in that sweep, 0 when it does not move (a constant
    property counts as 0). 09_control_and_inference.ipynb."""
    from scipy.stats import rankdata

    from gan_utils.core import data

    kind = model_kind(generator)
    num_continuous = int(kind.get("num_continuous", NUM_CONTINUOUS))
    if isinstance(code_index, bool) or int(code_index) != code_index or not 0 <= code_index < num_continuous:
        raise ValueError(f"code_index must be 0..{num_continuous - 1} (0 is c2, the first continuous code), "
                         f"got {code_index!r}.")
    values = np.asarray(values, "float32")
    if values.ndim != 1 or len(values) < 3 or np.any(np.diff(values) <= 0):
        raise ValueError("values must be at least 3 increasing numbers (the sweep).")
    noise_dim = int(generator.inputs[0].shape[-1]) - num_categories - num_continuous
    rng = np.random.default_rng(seed)
    z = np.repeat(rng.normal(size=(n_sweeps, noise_dim)).astype("float32"), len(values), 0)
    categories = np.repeat(rng.integers(0, num_categories, n_sweeps), len(values))
    continuous = np.repeat(rng.uniform(-1, 1, size=(n_sweeps, num_continuous)).astype("float32"), len(values), 0)
    continuous[:, code_index] = np.tile(values, n_sweeps)
    images = data.to_uint8(np.asarray(generator.predict(latent_with_codes(z, categories, continuous, num_categories),
                                                        batch_size=1000, verbose=0), "float32"))
    measured = np.asarray(measure(images), "float64").reshape(n_sweeps, len(values))
    code_ranks = rankdata(values) - (len(values) + 1) / 2
    ranks = np.apply_along_axis(rankdata, 1, measured) - (len(values) + 1) / 2
    spread = np.sqrt((ranks ** 2).sum(1) * (code_ranks ** 2).sum())
    return np.where(spread > 0, (ranks * code_ranks).sum(1) / np.where(spread > 0, spread, 1.0), 0.0)

