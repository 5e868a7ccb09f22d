"""Semi-supervised GAN (Salimans et al. 2016, §5): a digit classifier that also learns from unlabeled digits.

The discriminator outputs K = 10 class logits l_1..l_K and nothing else: the "generated" class K+1 is
implicit, with its logit fixed at 0. Then p(real | x) = Z(x) / (Z(x) + 1) with Z(x) = Σ_k exp(l_k(x)), which
is sigma(logsumexp(l)): the real/fake logit of the usual GAN is ``real_fake_logit(l) = logsumexp(l)``.
D minimises (``semi_supervised_d_loss``)

    L_D = −mean log softmax(l(x_lab))[y]                     (supervised: the labeled digits, K classes)
          − mean log D(x_unl) − mean log(1 − D(G(z)))       (unsupervised: real vs generated)

where −log D = softplus(−logsumexp(l)) and −log(1 − D) = softplus(logsumexp(l)), finite for any logits. The
generator's default loss is feature matching (§3.1, what the paper uses for its semi-supervised results):
match the mean of D's last hidden layer ("features") on the unlabeled batch of the preceding D step.

``build_baseline_classifier`` is the same network trained on the labeled digits alone, the "100 labels only"
side of the comparison; ``balanced_labeled_indices`` picks the labeled digits, ``fit_semi_supervised`` runs
the loop (the ``Trainer`` does not: a D step takes labeled and unlabeled batches), ``classification_accuracy``
scores either network. 09_control_and_inference.ipynb.
"""
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_utils.core.data import IMAGE_SHAPE, NUM_CLASSES, check_images, to_model_range
from gan_utils.core.losses import feature_matching_loss
from gan_utils.core.models import is_conditional
from gan_utils.core.train import GANSteps, run_iterations
from gan_utils.core.steps_base import apply_gradients_of

GENERATOR_LOSSES = ("feature-matching", "non-saturating")


def real_fake_logit(class_logits):
    """The real/fake logit logsumexp_k l_k of K class logits (the implicit generated class has logit 0):
    sigma(logsumexp(l)) = Z / (Z + 1) = D(x) with Z = Σ_k exp(l_k). Stable for any logits."""
    return tf.reduce_logsumexp(tf.cast(class_logits, tf.float32), axis=-1)


def semi_supervised_d_loss(labeled_logits, labels, unlabeled_logits, fake_logits, unsupervised_weight=1.0,
                           return_terms=False):
    """L_D = supervised + unsupervised_weight · unsupervised (Salimans et al. 2016, §5), each a batch mean:

    - supervised = −mean log softmax(labeled_logits)[labels]: cross-entropy over the K real classes
      (the paper's −log p(y | x, y < K+1));
    - unsupervised = mean softplus(−lse(unlabeled_logits)) + mean softplus(lse(fake_logits)), lse = logsumexp,
      i.e. −log D(x_unl) − log(1 − D(G(z))) with D = Z / (Z + 1), written so it stays finite for any logits.

    ``labeled_logits`` (n, K), ``labels`` (n,) integers in 0..K-1, ``unlabeled_logits`` (m, K), ``fake_logits``
    (f, K). ``return_terms=True`` returns ``(total, supervised, unsupervised)``. 09_control_and_inference.ipynb.
    """
    if isinstance(unsupervised_weight, (int, float)) and unsupervised_weight < 0:
        raise ValueError(f"unsupervised_weight must be >= 0, got {unsupervised_weight}.")
    named = {"labeled_logits": labeled_logits, "unlabeled_logits": unlabeled_logits, "fake_logits": fake_logits}
    named = {k: tf.cast(v, tf.float32) for k, v in named.items()}
    for key, value in named.items():
        if value.shape.rank != 2:
            raise ValueError(f"{key} must be class logits of shape (batch, K), got shape {tuple(value.shape)}.")
    widths = {key: value.shape[-1] for key, value in named.items()}
    if len(set(widths.values())) != 1:
        raise ValueError(f"the three logits must have the same number of classes K, got {widths}.")
    labels = tf.convert_to_tensor(labels)
    if labels.shape.rank != 1 or not labels.dtype.is_integer:
        raise ValueError(f"labels must be integer classes of shape (batch,), got shape {tuple(labels.shape)} "
                         f"and dtype {labels.dtype.name}.")
    n_logits, n_labels = named["labeled_logits"].shape[0], labels.shape[0]
    if n_logits is not None and n_labels is not None and n_logits != n_labels:
        raise ValueError(f"labeled_logits has {n_logits} rows but labels has {n_labels}: one label per labeled image.")
    supervised = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(labels, tf.int32), logits=named["labeled_logits"]))
    unsupervised = (tf.reduce_mean(tf.math.softplus(-real_fake_logit(named["unlabeled_logits"])))
                    + tf.reduce_mean(tf.math.softplus(real_fake_logit(named["fake_logits"]))))
    total = supervised + unsupervised_weight * unsupervised
    return (total, supervised, unsupervised) if return_terms else total


def _classifier(input_shape, num_classes, filters, kernel_size, dropout, hidden, input_noise, name):
    """The network both builders share: [GaussianNoise] -> [Conv f s2 -> LReLU -> Dropout] per filter -> Flatten
    -> [Dense -> LReLU -> Dropout] per size of ``hidden`` but the last -> Dense hidden[-1] -> LReLU ("features")
    -> [Dropout] -> Dense K ("class_logits", float32). ``hidden``: an int or a tuple of sizes."""
    if isinstance(num_classes, bool) or int(num_classes) != num_classes or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}.")
    if not 0 <= dropout < 1 or input_noise < 0:
        raise ValueError(f"dropout must be in [0, 1) and input_noise >= 0, got {dropout} and {input_noise}.")
    image = keras.Input(input_shape, name="image")
    x = layers.GaussianNoise(input_noise)(image) if input_noise else image
    for f in filters:
        x = layers.LeakyReLU()(layers.Conv2D(f, kernel_size, strides=2, padding="same")(x))
        if dropout:
            x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    sizes = tuple(hidden) if isinstance(hidden, (tuple, list)) else (hidden,)
    for units in sizes[:-1]:  # an MLP body: filters=(), hidden=(512, 256, 128) (the paper's MNIST D was an MLP)
        x = layers.LeakyReLU()(layers.Dense(units)(x))
        if dropout:
            x = layers.Dropout(dropout)(x)
    features = layers.LeakyReLU(name="features")(layers.Dense(sizes[-1])(x))
    x = layers.Dropout(dropout)(features) if dropout else features
    return keras.Model(image, layers.Dense(num_classes, dtype="float32", name="class_logits")(x), name=name)


def build_semi_supervised_discriminator(input_shape=IMAGE_SHAPE, num_classes=NUM_CLASSES, filters=(64, 128),
                                        kernel_size=5, dropout=0.3, hidden=128, input_noise=0.0,
                                        name="semi_supervised_discriminator"):
    """D with K class logits and no separate real/fake output (see ``real_fake_logit``): the DCGAN
    discriminator's convolutions, a Dense ``hidden`` layer named "features" (what feature matching matches)
    and Dense K. ``input_noise`` > 0 adds Gaussian noise of that std to the inputs while training (the paper's
    MNIST network used noise; dropout plays that part here by default)."""
    return _classifier(input_shape, num_classes, filters, kernel_size, dropout, hidden, input_noise, name)


def build_baseline_classifier(input_shape=IMAGE_SHAPE, num_classes=NUM_CLASSES, filters=(64, 128), kernel_size=5,
                              dropout=0.3, hidden=128, input_noise=0.0, name="baseline_classifier"):
    """The same network as ``build_semi_supervised_discriminator`` (same layers and sizes, fresh weights), to be
    trained on the labeled digits alone with ``keras.losses.SparseCategoricalCrossentropy(from_logits=True)``."""
    return _classifier(input_shape, num_classes, filters, kernel_size, dropout, hidden, input_noise, name)


@keras.saving.register_keras_serializable(package="gan_utils")
class WeightNormDense(layers.Layer):
    """A dense layer with weight normalisation (Salimans & Kingma 2016): W = g · V / ‖V‖ column by column, so the
    direction V and the length g of each unit's weights are separate parameters. ``train_scale=False`` keeps g fixed
    after ``data_dependent_init`` (the semi-supervised MNIST discriminator's hidden layers), True trains it (its last
    layer and the generator's output layer). V starts N(0, 0.1²), g at 1, b at 0."""

    def __init__(self, units, activation=None, train_scale=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or int(units) != units or units < 1:
            raise ValueError(f"units must be a positive integer, got {units!r}.")
        self.units, self.train_scale = int(units), bool(train_scale)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.v = self.add_weight(shape=(int(input_shape[-1]), self.units), name="v",
                                 initializer=keras.initializers.RandomNormal(stddev=0.1))
        self.g = self.add_weight(shape=(self.units,), name="g", initializer="ones", trainable=self.train_scale)
        self.b = self.add_weight(shape=(self.units,), name="b", initializer="zeros")

    def pre_activation(self, x):
        v = keras.ops.cast(self.v, x.dtype)
        w = v * keras.ops.cast(self.g, x.dtype) / keras.ops.sqrt(keras.ops.sum(keras.ops.square(v), axis=0) + 1e-12)
        return keras.ops.matmul(x, w)

    def call(self, x):
        return self.activation(self.pre_activation(x) + keras.ops.cast(self.b, x.dtype))

    def get_config(self):
        return {**super().get_config(), "units": self.units, "train_scale": self.train_scale,
                "activation": keras.activations.serialize(self.activation)}


def data_dependent_init(model, batch):
    """Salimans & Kingma's initialisation of every ``WeightNormDense`` of ``model``, first to last: on ``batch``, with
    the model's training-time noise on (as in Salimans et al.'s code), each unit's pre-activation gets mean 0 and
    standard deviation 1 (g ← g / std, b ← −mean / std). The noise then keeps its intended share of each layer's
    output. Run once on a few hundred training images before the first step."""
    batch = keras.ops.convert_to_tensor(batch)
    done = 0
    for layer in model.layers:
        if isinstance(layer, WeightNormDense):
            inputs = keras.Model(model.inputs, layer.input)(batch, training=True)
            t = np.asarray(layer.pre_activation(keras.ops.cast(inputs, "float32")), "float64")
            mean, std = t.mean(axis=0), t.std(axis=0) + 1e-8
            layer.g.assign((np.asarray(layer.g) / std).astype("float32"))
            layer.b.assign((-mean / std).astype("float32"))
            done += 1
    if not done:
        raise ValueError(f"{model.name} has no WeightNormDense layer to initialise.")
    return done


def build_salimans_discriminator(num_classes=NUM_CLASSES, hidden=(1000, 500, 250, 250, 250), input_noise=0.3,
                                 hidden_noise=0.5, name="salimans_discriminator"):
    """Salimans et al.'s MNIST discriminator (their train_mnist_feature_matching): images in [-1, 1] rescaled to
    [0, 1] as in their code, Gaussian noise (std ``input_noise``) on the pixels, five weight-normalised ReLU layers
    (1000, 500, 250, 250, 250) each followed by Gaussian noise (std ``hidden_noise``), and a weight-normalised output
    layer of K class logits (float32) with a trainable scale. The last hidden layer is named "features" (what
    feature matching matches). The noise acts only while training."""
    image = keras.Input(IMAGE_SHAPE, name="image")
    x = layers.Flatten()(layers.Rescaling(0.5, offset=0.5)(image))
    x = layers.GaussianNoise(input_noise)(x) if input_noise else x
    for i, units in enumerate(hidden):
        last = i == len(hidden) - 1
        x = WeightNormDense(units, "relu", name="features" if last else f"dense_{i}")(x)
        x = layers.GaussianNoise(hidden_noise)(x) if hidden_noise else x
    logits = WeightNormDense(num_classes, None, train_scale=True, dtype="float32", name="class_logits")(x)
    return keras.Model(image, logits, name=name)


def build_salimans_generator(latent_dim=100, hidden=(500, 500), name="salimans_generator"):
    """Salimans et al.'s MNIST generator: z → [Dense → batch norm (no scale) → softplus] × 2 (500 units) →
    weight-normalised Dense 784 with a sigmoid (trainable scale), mapped to [-1, 1] and shaped (28, 28, 1)."""
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in hidden:
        x = layers.Dense(units, use_bias=False)(x)
        x = layers.Activation("softplus")(layers.BatchNormalization(scale=False, epsilon=1e-6)(x))
    x = WeightNormDense(int(np.prod(IMAGE_SHAPE)), "sigmoid", train_scale=True, dtype="float32")(x)
    image = layers.Reshape(IMAGE_SHAPE)(layers.Rescaling(2.0, offset=-1.0)(x))
    return keras.Model(z, image, name=name)


def balanced_labeled_indices(labels, per_class=10, seed=0, num_classes=NUM_CLASSES):
    """Indices (sorted, int64) of ``per_class`` examples of each class, drawn without replacement with ``seed``:
    the 10 x 10 = 100 labeled digits of the comparison. The other indices are the unlabeled pool."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D integer array, got shape {labels.shape} and dtype {labels.dtype}.")
    if isinstance(per_class, bool) or int(per_class) != per_class or per_class < 1:
        raise ValueError(f"per_class must be a positive integer, got {per_class!r}.")
    rng = np.random.default_rng(seed)
    chosen = []
    for k in range(num_classes):
        pool = np.flatnonzero(labels == k)
        if len(pool) < per_class:
            raise ValueError(f"class {k} has {len(pool)} examples, fewer than per_class={per_class}; "
                             "lower per_class or pass more labels.")
        chosen.append(rng.choice(pool, size=int(per_class), replace=False))
    return np.sort(np.concatenate(chosen)).astype("int64")


def classification_accuracy(classifier, images, labels, batch_size=500):
    """Share of ``images`` (uint8 (N, 28, 28) or float in [-1, 1]) whose argmax class logit equals ``labels``;
    for the semi-supervised D and the baseline alike (evaluation mode: no dropout, no noise)."""
    images = check_images(images)
    data = to_model_range(images) if images.dtype == np.uint8 else np.asarray(images, "float32").reshape(-1, *IMAGE_SHAPE)
    labels = np.asarray(labels)
    if labels.shape != (len(data),):
        raise ValueError(f"labels must have shape ({len(data)},), one per image, got {labels.shape}.")
    predictions = np.concatenate([np.argmax(classifier(data[i:i + batch_size], training=False), axis=-1)
                                  for i in range(0, len(data), batch_size)])
    return float(np.mean(predictions == labels))


class SemiSupervisedSteps(GANSteps):
    """Train steps of the semi-supervised GAN: an unconditional generator (e.g. ``models.build_wgan_generator``)
    and a discriminator of K class logits (``build_semi_supervised_discriminator``).

    ``d_step(labeled_images, labels, unlabeled_images)``: one update of D on ``semi_supervised_d_loss`` with as
    many fakes as unlabeled images; it then stores the mean "features" of the unlabeled batch under the updated D
    (the target of feature matching). ``g_step(batch_size)``: ``generator_loss="feature-matching"`` (default, the
    paper's) minimises ``losses.feature_matching_loss`` against that stored mean; ``"non-saturating"`` minimises
    −log D(G(z)) = softplus(−logsumexp(l)). Run a d_step before the first g_step. ``unsupervised_weight`` scales
    the GAN term of D's loss (0: D learns from the labels only, and the fakes do nothing).
    ``feature_matching_reduction``: "sum" over D's features (03's loss) or "mean" (Salimans et al.'s code). One device.
    """

    supports_strategy = True  # the steps use scale_for_gradients (loss scaling); a strategy is refused below

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, generator_loss="feature-matching",
                 unsupervised_weight=1.0, feature_matching_reduction="sum", **kwargs):
        if len(discriminator.outputs) != 1 or len(discriminator.outputs[0].shape) != 2:
            raise ValueError("SemiSupervisedSteps needs a discriminator with one output, the K class logits "
                             "(semisupervised.build_semi_supervised_discriminator).")
        if is_conditional(generator) or is_conditional(discriminator):
            raise ValueError("SemiSupervisedSteps needs an unconditional generator and discriminator (one input each).")
        if generator_loss not in GENERATOR_LOSSES:
            raise ValueError(f"generator_loss must be one of {', '.join(GENERATOR_LOSSES)}, not {generator_loss!r}.")
        fixed = [k for k in ("loss", "label_smoothing", "clip_value", "gp_weight", "simultaneous", "strategy")
                 if kwargs.get(k) not in (None, 0, 0.0, False)]
        if fixed:
            raise ValueError(f"SemiSupervisedSteps has its own D loss on one device; drop {', '.join(fixed)}.")
        if unsupervised_weight < 0:
            raise ValueError(f"unsupervised_weight must be >= 0, got {unsupervised_weight}.")
        try:
            features = discriminator.get_layer("features").output
        except ValueError:
            features = None
        if features is None and generator_loss == "feature-matching":
            raise ValueError("feature matching needs a discriminator layer named 'features' (its last hidden layer, "
                             "as in build_semi_supervised_discriminator), or use generator_loss='non-saturating'.")
        kwargs = {k: v for k, v in kwargs.items() if k not in ("loss", "strategy")}
        super().__init__(generator, discriminator, g_optimizer, d_optimizer, **kwargs)
        self.num_classes = int(discriminator.outputs[0].shape[-1])
        if feature_matching_reduction not in ("sum", "mean"):
            raise ValueError(f"feature_matching_reduction must be 'sum' or 'mean' (Salimans et al.'s code), "
                             f"not {feature_matching_reduction!r}.")
        self.generator_loss, self.unsupervised_weight = generator_loss, float(unsupervised_weight)
        self.feature_matching_reduction = feature_matching_reduction
        self.logits_and_features = None
        if features is not None:  # the same weights, two outputs: one forward pass gives both
            self.logits_and_features = keras.Model(discriminator.inputs, [discriminator.outputs[0], features],
                                                   name=f"{discriminator.name}_with_features")
            self.real_feature_mean = tf.Variable(tf.zeros(features.shape[-1]), trainable=False, name="real_feature_mean")
        self._compiled_d_step = self.d_step
        self.d_step = self._checked_d_step
        self.joint_step = None  # no simultaneous variant

    def _checked_d_step(self, labeled_images, labels, unlabeled_images):
        """Check the shapes (clear errors before tracing), then run the compiled D step."""
        labeled_images, unlabeled_images = tf.convert_to_tensor(labeled_images), tf.convert_to_tensor(unlabeled_images)
        labels = tf.convert_to_tensor(labels)
        image_shape = tuple(self.discriminator.inputs[0].shape[1:])
        for name, images in (("labeled_images", labeled_images), ("unlabeled_images", unlabeled_images)):
            if tuple(images.shape[1:]) != image_shape or images.shape[0] == 0:
                raise ValueError(f"{name} must be a non-empty float batch (n, {', '.join(map(str, image_shape))}) in "
                                 f"[-1, 1], got shape {tuple(images.shape)}.")
        if labels.shape.rank != 1 or labels.shape[0] != labeled_images.shape[0] or not labels.dtype.is_integer:
            raise ValueError(f"labels must be {labeled_images.shape[0]} integers, one per labeled image, got shape "
                             f"{tuple(labels.shape)} and dtype {labels.dtype.name}.")
        return self._compiled_d_step(tf.cast(labeled_images, tf.float32), tf.cast(labels, tf.int32),
                                     tf.cast(unlabeled_images, tf.float32))

    def _logits(self, images):
        if self.logits_and_features is None:
            return self.discriminator(images, training=True), None
        return self.logits_and_features(images, training=True)

    def _d_step(self, labeled, labels, unlabeled):
        """Supervised cross-entropy on the labeled batch + unsupervised real/fake loss on unlabeled vs fakes."""
        fake = self.generate(self.noise(tf.shape(unlabeled)[0]), training=True)  # D's step does not differentiate G
        with tf.GradientTape() as tape:
            labeled_logits = self.discriminator(labeled, training=True)
            unlabeled_logits = self.discriminator(unlabeled, training=True)
            fake_logits = self.discriminator(fake, training=True)
            total, supervised, unsupervised = semi_supervised_d_loss(
                labeled_logits, labels, unlabeled_logits, fake_logits, self.unsupervised_weight, return_terms=True)
            scaled = self.scale_for_gradients(total, self.d_optimizer)
        variables = self.discriminator.trainable_variables
        grads = apply_gradients_of(tape, scaled, variables, self.d_optimizer)
        if self.logits_and_features is not None:  # the target of the next feature-matching G step, under the new D
            _, real_features = self.logits_and_features(unlabeled, training=True)
            self.real_feature_mean.assign(tf.reduce_mean(tf.cast(real_features, tf.float32), axis=0))
        accuracy = tf.reduce_mean(tf.cast(tf.argmax(labeled_logits, axis=1, output_type=tf.int32) == labels, tf.float32))
        return {"d_loss": total, "d_supervised_loss": supervised, "d_unsupervised_loss": unsupervised,
                "d_labeled_accuracy": accuracy, "d_grad_norm": self._grad_norm(grads, self.d_optimizer),
                **self._summary(real_fake_logit(unlabeled_logits), real_fake_logit(fake_logits))}

    def _g_step(self, batch_size):
        """Feature matching against the last D step's unlabeled batch (default), or the non-saturating loss."""
        z = self.noise(batch_size)
        with tf.GradientTape() as tape:
            fake = self.generate(z, training=True)
            if self.generator_loss == "feature-matching":
                _, fake_features = self.logits_and_features(fake, training=True)
                g_loss = feature_matching_loss(self.real_feature_mean[None], fake_features)
                if self.feature_matching_reduction == "mean":   # the authors' code: mean over the features
                    g_loss = g_loss / tf.cast(tf.shape(fake_features)[-1], tf.float32)
            else:
                g_loss = tf.reduce_mean(tf.math.softplus(-real_fake_logit(self.discriminator(fake, training=True))))
            scaled = self.scale_for_gradients(g_loss, self.g_optimizer)
        variables = self.generator.trainable_variables
        grads = apply_gradients_of(tape, scaled, variables, self.g_optimizer)
        return {"g_loss": g_loss, "g_grad_norm": self._grad_norm(grads, self.g_optimizer)}


def fit_semi_supervised(steps, labeled_images, labels, unlabeled_images, iterations, batch_size=64,
                        labeled_batch_size=None, seed=0):
    """Run ``iterations`` x (one ``steps.d_step``, one ``steps.g_step``) and return the history (dict of lists).

    Images: uint8 (N, 28, 28) or float in [-1, 1]. Each iteration takes ``labeled_batch_size`` labeled digits
    (default min(batch_size, number labeled)) and ``batch_size`` unlabeled ones, each from its own reshuffled
    pass over its set (NumPy generator seeded ``seed``): 100 labeled digits are seen many times per pass over
    the unlabeled ones, as in the paper.
    """
    labeled = _as_float_images(labeled_images, "labeled_images")
    unlabeled = _as_float_images(unlabeled_images, "unlabeled_images")
    labels = np.asarray(labels)
    if labels.shape != (len(labeled),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be {len(labeled)} integers, one per labeled image, got shape {labels.shape}.")
    if labels.min() < 0 or labels.max() >= steps.num_classes:
        raise ValueError(f"labels must be in 0..{steps.num_classes - 1}, got values in [{labels.min()}, {labels.max()}].")
    labeled_batch_size = min(batch_size, len(labeled)) if labeled_batch_size is None else labeled_batch_size
    for name, size, n in (("batch_size", batch_size, len(unlabeled)), ("labeled_batch_size", labeled_batch_size, len(labeled))):
        if isinstance(size, bool) or int(size) != size or not 0 < size <= n:
            raise ValueError(f"{name} must be an integer between 1 and {n}, got {size!r}.")
    if isinstance(iterations, bool) or int(iterations) != iterations or iterations < 1:
        raise ValueError(f"iterations must be a positive integer, got {iterations!r}.")
    rng = np.random.default_rng(seed)

    def batches(n, size):
        while True:
            order = rng.permutation(n)
            for start in range(0, n - size + 1, size):
                yield order[start:start + size]

    labeled_batches, unlabeled_batches = batches(len(labeled), int(labeled_batch_size)), batches(len(unlabeled), int(batch_size))

    def update(batch):
        i, j = batch
        return {**steps.d_step(labeled[i], labels[i].astype("int32"), unlabeled[j]), **steps.g_step(int(batch_size))}

    return run_iterations(update, zip(labeled_batches, unlabeled_batches), iterations)


def _as_float_images(images, name):
    images = check_images(images, name)
    return to_model_range(images) if images.dtype == np.uint8 else np.asarray(images, "float32").reshape(-1, *IMAGE_SHAPE)
