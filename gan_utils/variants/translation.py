"""Image-to-image translation: pix2pix (paired, Isola et al. 2017) and CycleGAN (unpaired, Zhu et al. 2017).

Taught in 07_image_to_image.ipynb. Both translate an image of a *source* domain into the *target* domain of
MNIST digits (28×28 in [-1, 1]):

- **paired tasks** make their input from the MNIST digit itself (``degrade``): ``"superres"`` averages it down
  to 7×7 (4×4 blocks) and the generator sees it upsampled back by bicubic interpolation; ``"inpaint"`` greys out
  its lower half (value 0, "unknown"). A U-Net generator (``build_unet``) maps the input to the digit; a PatchGAN
  (``build_patch_discriminator``) judges (input, output) pairs patch by patch; the generator's loss is the
  adversarial term plus λ·L1 (λ = 100 as in the paper). ``Pix2PixSteps``.
- **unpaired**: scikit-learn's bundled 8×8 digits (13 other writers, another preprocessing) and MNIST, no pairs:
  two generators, two discriminators, least-squares adversarial losses, cycle consistency (λ = 10) and identity
  losses. ``CycleGANSteps``.

Both steps objects plug into ``trainer.Trainer`` (``steps_base.Steps``' ``own_train_step`` hook: one update of every network per
batch of MNIST digits), so checkpoints, resuming, the live grid (input / output / target rows) and the command
line (``python -m gan_utils train pix2pix-superres``) work as for the other GANs. ``build_translator`` wraps a
trained generator with its source preprocessing into one model that takes source images in [0, 1] at their own
size: what ``data/pretrained/pix2pix_*.keras`` and ``cyclegan_sklearn_to_mnist.keras`` hold and what
``python -m gan_utils translate`` runs.
"""
import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_utils.variants.image_layers import Clip, MaskRows
from gan_utils.core.kinds import model_kind, with_kind
from gan_utils.core.losses import get_loss_pair, least_squares_discriminator_loss, least_squares_generator_loss
from gan_utils.core.steps_base import Steps

#: side of a source image, per task: what a translator's input must be
SOURCE_SIZE = {"superres": 7, "inpaint": 28, "sklearn": 8, "mnist": 28}
SKLEARN_FRAME = 20  # scikit-learn digits fill their 8×8 box; MNIST digits fit a 20×20 box centred in 28×28


def load_sklearn_digits():
    """scikit-learn's bundled 8×8 digits (1,797 images, 0-16 grey levels; ships inside the wheel, no download):
    ``(images uint8 (N, 8, 8) rescaled to 0-255, labels int32 (N,))``."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = np.round(bunch.images * (255.0 / 16.0)).astype("uint8")
    return images, bunch.target.astype("int32")


def source_layers(task):
    """The layers that turn a source image in [-1, 1] at its own size into the generator's 28×28 input."""
    if task == "superres":
        return [layers.Resizing(28, 28, interpolation="bicubic"), Clip()]
    if task == "inpaint":
        return [MaskRows(14, 0.0)]
    if task == "sklearn":  # upsample the 8×8 digit to MNIST's 20×20 box, pad with background to 28×28
        return [layers.Resizing(SKLEARN_FRAME, SKLEARN_FRAME, interpolation="bicubic"), Clip(),
                layers.Rescaling(0.5, offset=0.5), layers.ZeroPadding2D(4), layers.Rescaling(2.0, offset=-1.0)]
    if task == "mnist":  # CycleGAN's other direction: MNIST digits are already in the frame
        return []
    raise ValueError(f"unknown task {task!r}; choose one of {', '.join(SOURCE_SIZE)}.")


def source_to_input(images, task):
    """Source images (N, s, s[, 1]) in [-1, 1] (or uint8) -> the generator's input (N, 28, 28, 1) float32 in [-1, 1]."""
    x = np.asarray(images)
    x = x.astype("float32") / 127.5 - 1.0 if x.dtype == np.uint8 else x.astype("float32")
    x = x.reshape(len(x), SOURCE_SIZE[task], SOURCE_SIZE[task], 1)
    for layer in source_layers(task):
        x = layer(x)
    return keras.ops.convert_to_numpy(x).astype("float32")   # float32 under any dtype policy (layers follow it)


def downsample(real, factor=4):
    """Average ``factor``×``factor`` blocks: 28×28 -> 7×7 (what a low-resolution sensor records)."""
    return tf.nn.avg_pool2d(real, factor, factor, "VALID")


def degrade(real, task):
    """The source image of a paired task, made from the MNIST digit ``real`` (N, 28, 28, 1) in [-1, 1]:
    7×7 for ``"superres"``, the digit itself for ``"inpaint"`` (the mask is part of the source layers)."""
    if task == "superres":
        return downsample(real)
    if task == "inpaint":
        return real
    raise ValueError(f"{task!r} is not a paired task; choose 'superres' or 'inpaint'.")


def make_input(real, task):
    """The generator's 28×28 input for a paired task: ``source_layers(task)`` applied to ``degrade(real)``."""
    if task not in _SOURCE_LAYERS:  # built once per task (setdefault would build them on every call)
        _SOURCE_LAYERS[task] = source_layers(task)
    x = degrade(real, task)
    for layer in _SOURCE_LAYERS[task]:
        x = layer(x)
    return x


_SOURCE_LAYERS = {}


# -- networks ---------------------------------------------------------------------------
def build_unet(filters=(16, 32, 64), dropout=0.5, name="unet"):
    """U-Net generator 28×28×1 -> 28×28×1 in [-1, 1] (Ronneberger et al.; pix2pix's generator at digit scale).

    Encoder: strided 4×4 convolutions 28 -> 14 -> 7, then a 3×3 bottleneck at 7×7. Decoder: transposed
    convolutions 7 -> 14 -> 28, each fed the encoder's map of the same size (the skip connections: the
    digit's position and strokes need not squeeze through the bottleneck), dropout in the decoder (pix2pix's
    source of randomness: call the model with ``training=True`` to keep it at test time), and a last 3×3
    convolution that also sees the input. Every layer but the first and the last is normalised per image and
    channel (instance normalisation: pix2pix's batch normalisation at its batch size of 1). Without it, L1 training
    of the inpainting task drove the tanh output to all black within 50 iterations and it never recovered
    (measured while building notebook 07). The normalisation uses no batch statistics, so ``training`` changes
    the dropout only.
    """
    f1, f2, f3 = filters

    def norm(x, name):
        return layers.GroupNormalization(groups=-1, name=name)(x)   # groups = channels: instance normalisation

    source = keras.Input((28, 28, 1), name="source")
    e1 = layers.LeakyReLU(0.2)(layers.Conv2D(f1, 4, strides=2, padding="same", name="down1")(source))   # 14
    e2 = layers.LeakyReLU(0.2)(norm(layers.Conv2D(f2, 4, strides=2, padding="same", name="down2")(e1), "norm_down2"))
    b = layers.LeakyReLU(0.2)(norm(layers.Conv2D(f3, 3, padding="same", name="bottleneck")(e2), "norm_bottleneck"))
    x = layers.Concatenate()([b, e2])
    x = norm(layers.Conv2DTranspose(f2, 4, strides=2, padding="same", name="up1")(x), "norm_up1")         # 14
    x = layers.ReLU()(layers.Dropout(dropout, name="dropout1")(x) if dropout else x)
    x = layers.Concatenate()([x, e1])
    x = norm(layers.Conv2DTranspose(f1, 4, strides=2, padding="same", name="up2")(x), "norm_up2")         # 28
    x = layers.ReLU()(layers.Dropout(dropout, name="dropout2")(x) if dropout else x)
    x = layers.Concatenate()([x, source])
    out = layers.Conv2D(1, 3, padding="same", activation="tanh", dtype="float32", name="to_image")(x)
    return keras.Model(source, out, name=name)


def build_patch_discriminator(conditional=True, filters=(32, 64), name="patch_discriminator"):
    """PatchGAN: one logit per 7×7 cell, each judging an 18×18-pixel patch (its receptive field).

    ``conditional=True`` (pix2pix): it sees (source, image) stacked as two channels, so it can tell a sharp digit
    that does not fit its input. ``conditional=False`` (CycleGAN): the image alone."""
    source = keras.Input((28, 28, 1), name="source")
    image = keras.Input((28, 28, 1), name="image")
    x = layers.Concatenate()([source, image]) if conditional else image
    x = layers.LeakyReLU(0.2)(layers.Conv2D(filters[0], 4, strides=2, padding="same")(x))   # 14
    x = layers.LeakyReLU(0.2)(layers.Conv2D(filters[1], 4, strides=2, padding="same")(x))   # 7
    out = layers.Conv2D(1, 3, padding="same", dtype="float32", name="patch_logits")(x)      # 7×7×1
    return keras.Model([source, image] if conditional else image, out, name=name)


def build_translator(generator, task, name=None):
    """One model: source images (N, s, s, 1) in [0, 1] at their own size -> translated digits (N, 28, 28, 1) in
    [-1, 1]. What the shipped translation models hold and ``python -m gan_utils translate`` runs."""
    size = SOURCE_SIZE[task]
    source = keras.Input((size, size, 1), name=f"{task}_source")
    x = layers.Rescaling(2.0, offset=-1.0)(source)
    for layer in source_layers(task):
        x = layer(x)
    return with_kind(keras.Model(source, generator(x), name=name or f"translator_{task}"), "translator", task=task)


def translator_task(model):
    """The task of a model made by ``build_translator`` (its stored kind, ``kinds``; not its name), or a clear
    error."""
    kind = model_kind(model) if isinstance(model, keras.Model) else {}
    if kind.get("kind") != "translator" or kind.get("task") not in SOURCE_SIZE:
        raise ValueError(f"{getattr(model, 'name', model)!r} is not a translation model (made by "
                         "translation.build_translator, e.g. data/pretrained/pix2pix_superres.keras); to draw digits "
                         "from a GAN use `sample`.")
    return kind["task"]


def _patch_summary(real_logits, fake_logits):
    return {"d_real": tf.reduce_mean(tf.sigmoid(real_logits)), "d_fake": tf.reduce_mean(tf.sigmoid(fake_logits))}


# -- pix2pix --------------------------------------------------------------------------------
class Pix2PixSteps(Steps):
    """One pix2pix update per batch of MNIST digits (``train_step(real)``): the discriminator on (input, real)
    vs (input, G(input)), then the generator on ``adversarial·non-saturating + l1_weight·L1``.

    ``adversarial=False`` trains the generator on L1 alone (the discriminator is not updated, its curves stay
    empty); ``l1_weight=0`` on the adversarial term alone: the three arms of notebook 07's comparison.
    Compiled once with ``tf.function``; the batch size comes from the data. Notebook 07 prints ``_train_step``: its
    tape → gradient → apply lines stay written out (the other steps share ``steps_base.apply_gradients_of``)."""

    own_train_step = True

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, task="superres", l1_weight=100.0,
                 adversarial=True, seed=0, jit_compile=False):
        if task not in ("superres", "inpaint"):
            raise ValueError(f"pix2pix tasks: 'superres' or 'inpaint', not {task!r}.")
        if not adversarial and not l1_weight:
            raise ValueError("with adversarial=False and l1_weight=0 the generator has no loss at all.")
        self.generator, self.discriminator = generator, discriminator
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        self.task, self.l1_weight, self.adversarial = task, float(l1_weight), bool(adversarial)
        self.pair = get_loss_pair("non-saturating")
        self.rng = tf.random.Generator.from_seed(seed)
        g_optimizer.build(generator.trainable_variables)
        d_optimizer.build(discriminator.trainable_variables)
        self.train_step = tf.function(self._train_step, reduce_retracing=True, jit_compile=bool(jit_compile))

    def fixed_inputs(self, n, seed=1234):
        """(n, 28, 28, 2): generator input and target, for MNIST test digits (the live grid's columns)."""
        from gan_utils.core.data import load_mnist, to_model_range

        images, _ = load_mnist(split="test")
        target = to_model_range(images[np.random.default_rng(seed).choice(len(images), n, replace=False)])
        return tf.concat([make_input(tf.constant(target), self.task), target], axis=-1)

    @property
    def run_name(self):
        return f"pix2pix-{self.task}-l1x{self.l1_weight:g}{'+adversarial' if self.adversarial else ''}"

    def export(self, trainer):
        """The translator (``translator_for``): source images at their own size in, digits out."""
        return translator_for(self), "translator.keras", " (`python -m gan_utils translate {path} INPUT.npz --out OUT.npz`)"

    preview_rows = ("input", "output", "target")

    def preview(self, generator, fixed, labels=None):
        """Input, output and target rows (3n images) for the live grid."""
        source, target = fixed[..., :1], fixed[..., 1:]
        return np.concatenate([source.numpy(), generator(source, training=False).numpy(), target.numpy()])

    def _train_step(self, real):
        source = make_input(real, self.task)
        logs = {}
        if self.adversarial:
            fake = self.generator(source, training=True)
            with tf.GradientTape() as tape:
                real_logits = self.discriminator([source, real], training=True)
                fake_logits = self.discriminator([source, fake], training=True)
                d_loss = self.pair.discriminator(real_logits, fake_logits)
            grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
            logs = {"d_loss": d_loss, **_patch_summary(real_logits, fake_logits)}
        with tf.GradientTape() as tape:
            fake = self.generator(source, training=True)
            l1 = tf.reduce_mean(tf.abs(real - fake))
            loss = self.l1_weight * l1
            if self.adversarial:
                g_adv = self.pair.generator(self.discriminator([source, fake], training=True))
                loss = loss + g_adv
                logs["g_loss"] = g_adv
        grads = tape.gradient(loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return {**logs, "l1": l1}


# -- CycleGAN -------------------------------------------------------------------------------
class CycleGANSteps(Steps):
    """One CycleGAN update per batch of MNIST digits (domain A, ``train_step(real_a)``); a batch of the same
    size of domain B (scikit-learn digits in the 28×28 frame, ``domain_b``) is drawn with the seeded ``rng``.

    ``generator`` maps B -> A (scikit-learn -> MNIST style, the shipped direction), ``generator_ab`` A -> B;
    ``discriminator`` judges A, ``discriminator_b`` judges B (unconditional PatchGANs). Losses (Zhu et al.):
    least squares for both games; cycle consistency ``cycle_weight``·(|F(G(b)) − b| + |G(F(a)) − a|); identity
    ``identity_weight``·(|G(a) − a| + |F(b) − b|). ``cycle_weight=0`` removes the cycle (notebook 07's
    ablation). One optimizer for both generators, one for both discriminators.

    ``semantic_weight`` > 0 adds CyCADA's semantic-consistency term (Hoffman et al. 2018) to the generators' loss:
    ``semantic_weight``·cross-entropy between a frozen digit classifier's reading of G(b) and b's label
    (``domain_b_labels``, the scikit-learn digits' labels, same order as ``domain_b``; ``semantic_classifier``: a
    Keras model from 28×28 digits in [-1, 1] to 10 logits, e.g. ``train_semantic_classifier``, never updated here).
    The translation must then keep the digit, not only its outline."""

    own_train_step = True

    def __init__(self, generator, generator_ab, discriminator, discriminator_b, g_optimizer, d_optimizer,
                 domain_b, cycle_weight=10.0, identity_weight=5.0, seed=0, jit_compile=False,
                 semantic_weight=0.0, domain_b_labels=None, semantic_classifier=None):
        self.generator, self.generator_ab = generator, generator_ab
        self.discriminator, self.discriminator_b = discriminator, discriminator_b
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        self.cycle_weight, self.identity_weight = float(cycle_weight), float(identity_weight)
        domain_b = np.asarray(domain_b, "float32")
        if domain_b.ndim != 4 or domain_b.shape[1:] != (28, 28, 1):
            raise ValueError(f"domain_b must be (N, 28, 28, 1) in [-1, 1] (translation.source_to_input), "
                             f"got {domain_b.shape}.")
        self.domain_b = tf.constant(domain_b)
        self.semantic_weight = float(semantic_weight)
        if self.semantic_weight:
            if semantic_classifier is None or domain_b_labels is None:
                raise ValueError("semantic_weight > 0 needs semantic_classifier (digits -> 10 logits, "
                                 "translation.train_semantic_classifier) and domain_b_labels (one per domain_b image).")
            labels_b = np.asarray(domain_b_labels)
            if labels_b.shape != (len(domain_b),) or labels_b.min() < 0 or labels_b.max() > 9:
                raise ValueError(f"domain_b_labels must be {len(domain_b)} digits 0-9 in domain_b's order, "
                                 f"got shape {labels_b.shape}.")
            self.domain_b_labels = tf.constant(labels_b.astype("int32"))
        self.semantic_classifier = semantic_classifier
        self.rng = tf.random.Generator.from_seed(seed)
        self.extra_models = {"generator_ab": generator_ab, "discriminator_b": discriminator_b}
        self._g_vars = generator.trainable_variables + generator_ab.trainable_variables
        self._d_vars = discriminator.trainable_variables + discriminator_b.trainable_variables
        g_optimizer.build(self._g_vars)
        d_optimizer.build(self._d_vars)
        self.train_step = tf.function(self._train_step, reduce_retracing=True, jit_compile=bool(jit_compile))

    def fixed_inputs(self, n, seed=1234):
        """(n, 28, 28, 1): domain-B images for the live grid."""
        pick = np.random.default_rng(seed).choice(int(self.domain_b.shape[0]), n, replace=False)
        return tf.gather(self.domain_b, pick)

    @property
    def run_name(self):
        semantic = f"-sem{self.semantic_weight:g}" if self.semantic_weight else ""
        return f"cyclegan-cycle{self.cycle_weight:g}-id{self.identity_weight:g}{semantic}"

    export = Pix2PixSteps.export

    preview_rows = ("scikit-learn digit", "to MNIST style", "and back")

    def preview(self, generator, fixed, labels=None):
        translated = generator(fixed, training=False)
        return np.concatenate([fixed.numpy(), translated.numpy(),
                               self.generator_ab(translated, training=False).numpy()])

    def _train_step(self, real_a):
        n = tf.shape(real_a)[0]
        pick = self.rng.uniform((n,), 0, tf.shape(self.domain_b)[0], dtype=tf.int32)
        real_b = tf.gather(self.domain_b, pick)
        with tf.GradientTape() as tape:
            fake_a = self.generator(real_b, training=True)          # B -> A
            fake_b = self.generator_ab(real_a, training=True)       # A -> B
            g_adv = (least_squares_generator_loss(self.discriminator(fake_a, training=True))
                     + least_squares_generator_loss(self.discriminator_b(fake_b, training=True)))
            cycle = (tf.reduce_mean(tf.abs(self.generator_ab(fake_a, training=True) - real_b))
                     + tf.reduce_mean(tf.abs(self.generator(fake_b, training=True) - real_a)))
            loss = g_adv + self.cycle_weight * cycle
            identity = tf.constant(0.0)
            if self.identity_weight:
                identity = (tf.reduce_mean(tf.abs(self.generator(real_a, training=True) - real_a))
                            + tf.reduce_mean(tf.abs(self.generator_ab(real_b, training=True) - real_b)))
                loss = loss + self.identity_weight * identity
            semantic = tf.constant(0.0)
            if self.semantic_weight:   # CyCADA: the frozen classifier must read b's digit in G(b)
                semantic = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
                    tf.gather(self.domain_b_labels, pick),
                    tf.cast(self.semantic_classifier(fake_a, training=False), tf.float32), from_logits=True))
                loss = loss + self.semantic_weight * semantic
        grads = tape.gradient(loss, self._g_vars)
        self.g_optimizer.apply_gradients(zip(grads, self._g_vars))
        with tf.GradientTape() as tape:
            real_logits, fake_logits = self.discriminator(real_a, training=True), self.discriminator(fake_a, training=True)
            d_a = least_squares_discriminator_loss(real_logits, fake_logits)
            d_b = least_squares_discriminator_loss(self.discriminator_b(real_b, training=True),
                                                   self.discriminator_b(fake_b, training=True))
            d_loss = 0.5 * (d_a + d_b)  # the paper halves D's objective to slow it relative to G
        grads = tape.gradient(d_loss, self._d_vars)
        self.d_optimizer.apply_gradients(zip(grads, self._d_vars))
        return {"d_loss": d_loss, "g_loss": g_adv, "cycle": cycle, "identity": identity, "semantic": semantic,
                "d_real": tf.reduce_mean(real_logits), "d_fake": tf.reduce_mean(fake_logits)}


# -- judging style: which domain does an image look like? ------------------------------------
def sklearn_split(test_size=500, seed=0):
    """Indices ``(train, test)`` of scikit-learn's digits, stratified by digit: CycleGAN trains on ``train`` and
    every measurement of notebook 07 (and ``scripts/train_cyclegan.py``) uses ``test``, which it never saw."""
    from sklearn.model_selection import train_test_split

    _, labels = load_sklearn_digits()
    return train_test_split(np.arange(len(labels)), test_size=test_size, stratify=labels, random_state=seed)


def train_domain_classifier(mnist, sklearn_framed, steps=600, seed=0):
    """A small CNN that tells MNIST digits (output near 1) from scikit-learn digits in the 28×28 frame (near 0):
    the *style* judge of notebook 07 (a translation B -> A should be judged MNIST, A -> B scikit-learn).

    ``mnist`` and ``sklearn_framed`` are (N, 28, 28, 1) in [-1, 1] (``data.to_model_range``, ``sklearn_domain``);
    the two classes are weighted to count equally whatever their sizes; ``steps`` batches of 64 (whole epochs,
    at least ``steps``). Float32 and seeded, and it leaves the caller's dtype policy and random state as they were."""
    from gan_utils.core.runtime import precision_scope, seeded

    a, b = np.asarray(mnist, "float32"), np.asarray(sklearn_framed, "float32")
    for name, x in (("mnist", a), ("sklearn_framed", b)):
        if x.ndim != 4 or x.shape[1:] != (28, 28, 1) or len(x) == 0:
            raise ValueError(f"{name} must be (N, 28, 28, 1) in [-1, 1], got {x.shape}.")
    x = np.concatenate([a, b])
    y = np.concatenate([np.ones(len(a), "float32"), np.zeros(len(b), "float32")])
    weights = np.where(y == 1, len(x) / (2 * len(a)), len(x) / (2 * len(b))).astype("float32")
    with precision_scope("float32"), seeded(seed):
        model = keras.Sequential([keras.Input((28, 28, 1)),
                                  layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
                                  layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
                                  layers.GlobalAveragePooling2D(),
                                  layers.Dense(1, activation="sigmoid")], name="domain_classifier")
        model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
        epochs = math.ceil(steps / math.ceil(len(x) / 64))   # whole epochs of batches of 64, >= steps batches
        model.fit(x, y, sample_weight=weights, batch_size=64, epochs=epochs, shuffle=True, verbose=0)
    return model


def train_semantic_classifier(images, labels, epochs=2, seed=0):
    """The frozen digit reader of CycleGAN's semantic-consistency term (``CycleGANSteps(semantic_weight=...)``):
    a small CNN from 28×28 digits in [-1, 1] ((N, 28, 28, 1), ``data.to_model_range``) to 10 logits, trained on
    ``images``/``labels`` for ``epochs`` epochs (batches of 128, Adam 1e-3).

    Deliberately *not* the course classifier that judges the translations in notebook 07 (another network, other
    training digits): a translator trained to please its judge would make the judge's reading meaningless.
    Float32 and seeded; the caller's dtype policy and random state are left as they were; frozen
    (``trainable = False``)."""
    from gan_utils.core.runtime import precision_scope, seeded

    x, y = np.asarray(images, "float32"), np.asarray(labels)
    if x.ndim != 4 or x.shape[1:] != (28, 28, 1) or len(x) == 0:
        raise ValueError(f"images must be (N, 28, 28, 1) in [-1, 1] (data.to_model_range), got {x.shape}.")
    if y.shape != (len(x),) or y.min() < 0 or y.max() > 9:
        raise ValueError(f"labels must be {len(x)} digits 0-9, got shape {y.shape}.")
    with precision_scope("float32"), seeded(seed):
        model = keras.Sequential([keras.Input((28, 28, 1)),
                                  layers.Conv2D(32, 5, strides=2, padding="same", activation="relu"),
                                  layers.Conv2D(64, 5, strides=2, padding="same", activation="relu"),
                                  layers.Flatten(), layers.Dropout(0.3), layers.Dense(10)], name="semantic_classifier")
        model.compile(keras.optimizers.Adam(1e-3),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        model.fit(x, y, batch_size=128, epochs=epochs, shuffle=True, verbose=0)
    model.trainable = False
    return model


def nearest_neighbour_labels(reference, reference_labels, images, batch_size=500):
    """The label of each image's nearest neighbour (Euclidean, raw pixels) among ``reference`` digits: a second
    label judge with no weights to fool, beside the course classifier (notebook 07)."""
    ref = np.asarray(reference, "float32").reshape(len(reference), -1)
    ref_sq = (ref ** 2).sum(1)
    x = np.asarray(images, "float32").reshape(len(images), -1)
    out = []
    for i in range(0, len(x), batch_size):
        chunk = x[i:i + batch_size]
        out.append(np.asarray(reference_labels)[np.argmin(ref_sq[None, :] - 2.0 * chunk @ ref.T, axis=1)])
    return np.concatenate(out)


def judged_mnist(domain_classifier, images, batch_size=500):
    """Share of ``images`` ((N, 28, 28, 1) in [-1, 1]) a domain classifier calls MNIST: the Keras model of
    ``train_domain_classifier`` (probability > 0.5) or a scikit-learn classifier on flattened pixels (label 1)."""
    x = np.asarray(images, "float32")
    if isinstance(domain_classifier, keras.Model):
        return float((domain_classifier.predict(x, batch_size=batch_size, verbose=0)[:, 0] > 0.5).mean())
    return float((domain_classifier.predict(x.reshape(len(x), -1)) == 1).mean())


def to_8x8(images):
    """28×28 digits in [-1, 1] -> the scikit-learn domain's 8×8 pixels in [0, 1], flattened (N, 64): the 20×20
    box averaged down (what scikit-learn's classifier reads)."""
    box = tf.constant(np.asarray(images, "float32").reshape(-1, 28, 28, 1)[:, 4:24, 4:24, :])
    return ((tf.image.resize(box, (8, 8), "area").numpy() + 1) / 2).reshape(len(box), 64)


def cycle_judges(mnist_train, seed=0, test_size=500, mnist_train_labels=None):
    """The judges of a CycleGAN between MNIST (A) and scikit-learn's digits (B), fitted on training splits only:
    ``{"domain": train_domain_classifier(...), "pixels": a second style judge (logistic regression on the raw
    pixels: where the ink is rather than how the strokes look), "sklearn": an SVC on scikit-learn's 8×8 training digits,
    "sk_test": framed held-out scikit-learn digits, "sk_test_labels": their labels, "sk_train": framed training
    digits (CycleGAN's domain B), "sk_train_labels": their labels}``. ``mnist_train``: MNIST training digits, (N, 28,
    28, 1) in [-1, 1]; with ``mnist_train_labels`` the judges also hold ``"nn"``, those digits and labels for a
    third label judge (``nearest_neighbour_labels``)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    images, labels = load_sklearn_digits()
    train, test = sklearn_split(test_size, seed)
    sk_train = source_to_input(images[train], "sklearn")
    x = np.concatenate([np.asarray(mnist_train, "float32"), sk_train]).reshape(-1, 28 * 28)
    y = np.r_[np.ones(len(mnist_train)), np.zeros(len(sk_train))]
    pixels = LogisticRegression(C=0.1, max_iter=2000, class_weight="balanced").fit(x, y)
    extra = {} if mnist_train_labels is None else {"nn": (np.asarray(mnist_train, "float32"),
                                                          np.asarray(mnist_train_labels))}
    return {**extra, "domain": train_domain_classifier(mnist_train, sk_train, seed=seed), "pixels": pixels,
            "sklearn": SVC().fit(images[train].reshape(-1, 64) / 255, labels[train]),
            "sk_train": sk_train, "sk_train_labels": labels[train],
            "sk_test": source_to_input(images[test], "sklearn"), "sk_test_labels": labels[test]}


def evaluate_cyclegan(generator, generator_ab, judges, mnist_test, mnist_labels):
    """One row of notebook 07's CycleGAN table, on held-out digits of both domains. B -> A (scikit-learn to MNIST
    style, ``generator``): label kept by the course classifier, share judged MNIST by the domain classifier.
    A -> B (``generator_ab``): label kept by scikit-learn's classifier on 8×8 and by the course classifier, share
    judged scikit-learn. ``"(by pixels)"``: the share of B -> A judged MNIST by the second style judge;
    ``"B>A kept (1-NN)"`` (judges with ``"nn"``): the label of the nearest MNIST training digit. Cycle errors: mean |F(G(b)) − b| and |G(F(a)) − a| on the [−1, 1] scale. Returns
    ``(row, outputs)``."""
    from gan_utils.evaluation import metrics

    def run(model, x):   # float32 whatever precision the model computes in
        return np.asarray(model.predict(x, batch_size=500, verbose=0), "float32")

    b = judges["sk_test"]
    to_mnist, to_sklearn = run(generator, b), run(generator_ab, mnist_test)
    back_b, back_a = run(generator_ab, to_mnist), run(generator, to_sklearn)
    row = {"B>A kept": float((metrics.classify(to_mnist).argmax(1) == judges["sk_test_labels"]).mean()),
           "B>A MNIST-like": judged_mnist(judges["domain"], to_mnist),
           "(by pixels)": judged_mnist(judges["pixels"], to_mnist),
           "A>B kept (sk)": float(judges["sklearn"].score(to_8x8(to_sklearn), mnist_labels)),
           "A>B kept (course)": float((metrics.classify(to_sklearn).argmax(1) == mnist_labels).mean()),
           "A>B sk-like": 1.0 - judged_mnist(judges["domain"], to_sklearn),
           "cycle err B": float(np.abs(back_b - b).mean()),
           "cycle err A": float(np.abs(back_a - mnist_test).mean())}
    if "nn" in judges:
        row["B>A kept (1-NN)"] = float((nearest_neighbour_labels(*judges["nn"], to_mnist)
                                        == judges["sk_test_labels"]).mean())
    return row, {"to_mnist": to_mnist, "to_sklearn": to_sklearn, "back_b": back_b, "back_a": back_a}


# -- recipes ------------------------------------------------------------------------------
def sklearn_domain(images=None, exclude=None):
    """Domain B for CycleGAN: scikit-learn digits in the 28×28 frame, (N, 28, 28, 1) in [-1, 1];
    ``exclude`` (indices) leaves out held-out digits."""
    if images is None:
        images, _ = load_sklearn_digits()
    if exclude is not None:
        images = np.delete(images, exclude, axis=0)
    return source_to_input(images, "sklearn")


TRANSLATION_MODELS = ("pix2pix-superres", "pix2pix-inpaint", "cyclegan")


def make_translation_steps(name, seed=0, jit_compile=False, l1_weight=100.0, adversarial=True, cycle_weight=10.0,
                           identity_weight=5.0, domain_b=None, learning_rate=2e-4, semantic_weight=0.0,
                           domain_b_labels=None, semantic_classifier=None):
    """Networks, Adam(2e-4, β1 = 0.5) optimizers (the paper's) and steps for a translation model name
    (``semantic_*``: CycleGAN's optional semantic-consistency term, see ``CycleGANSteps``)."""
    g_opt = keras.optimizers.Adam(learning_rate, beta_1=0.5)
    d_opt = keras.optimizers.Adam(learning_rate, beta_1=0.5)
    if name.startswith("pix2pix-"):
        return Pix2PixSteps(build_unet(), build_patch_discriminator(), g_opt, d_opt, task=name.split("-", 1)[1],
                            l1_weight=l1_weight, adversarial=adversarial, seed=seed, jit_compile=jit_compile)
    if name == "cyclegan":
        return CycleGANSteps(build_unet(name="unet_to_mnist"), build_unet(name="unet_to_sklearn"),
                             build_patch_discriminator(False, name="patch_mnist"),
                             build_patch_discriminator(False, name="patch_sklearn"), g_opt, d_opt,
                             sklearn_domain() if domain_b is None else domain_b, cycle_weight=cycle_weight,
                             identity_weight=identity_weight, seed=seed, jit_compile=jit_compile,
                             semantic_weight=semantic_weight, domain_b_labels=domain_b_labels,
                             semantic_classifier=semantic_classifier)
    raise ValueError(f"unknown translation model {name!r}; choose one of {', '.join(TRANSLATION_MODELS)}.")


def translator_for(steps):
    """The translator (``build_translator``) of a trained steps object's generator."""
    task = steps.task if isinstance(steps, Pix2PixSteps) else "sklearn"
    return build_translator(steps.generator, task)


def generator_of(translator):
    """The generator inside a translator (its last layer): what a notebook trains further or compares."""
    translator_task(translator)
    return translator.layers[-1]


def load_translator(path):
    """Load a model saved from ``build_translator``; a missing file, an unreadable one or a GAN generator gets a
    clear error. Returns ``(model, task)``."""
    from gan_utils.core.sampling import load_model_file

    model = load_model_file(path)
    return model, translator_task(model)


def translate_images(model, images, batch_size=500):
    """Translate uint8 source images (N, s, s) (0-255, at the source's own size: 7×7, 8×8 or 28×28, see
    ``SOURCE_SIZE``) with a translator; returns uint8 digits (N, 28, 28). Wrong sizes or types get a message
    that says what the model expects."""
    from gan_utils.core.data import to_uint8

    task = translator_task(model)
    size = SOURCE_SIZE[task]
    images = np.asarray(images)
    what = {"superres": "7×7 low-resolution digits", "mnist": "28×28 MNIST digits", "inpaint": "28×28 MNIST-style digits (the lower half is "
            "replaced by the model's completion)", "sklearn": "8×8 scikit-learn digits rescaled from 0-16 to 0-255"}
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 (0-255), got {images.dtype}; this model reads {what[task]}.")
    if images.ndim != 3 or images.shape[1:] != (size, size) or len(images) == 0:
        raise ValueError(f"images must have shape (N, {size}, {size}) for this model ({what[task]}), "
                         f"got {images.shape}.")
    x = images.astype("float32")[..., None] / 255.0
    chunks = [model(x[i:i + batch_size], training=False).numpy() for i in range(0, len(x), batch_size)]
    return to_uint8(np.concatenate(chunks))


# -- measuring a translation ----------------------------------------------------------------
def psnr(images, targets):
    """Peak signal-to-noise ratio in dB, mean over images: 10·log10(peak² / MSE_i) with MSE_i the mean squared
    error of image i and peak = 2, the range of [-1, 1] (uint8 inputs are mapped to [-1, 1] first). Higher is
    closer; identical images give +inf, so they are left out of the mean (a warning-free inf otherwise)."""
    def as_float(x):
        x = np.asarray(x)
        return x.astype("float64") / 127.5 - 1.0 if x.dtype == np.uint8 else x.astype("float64")

    a, b = as_float(images), as_float(targets)
    mse = ((a - b) ** 2).reshape(len(a), -1).mean(axis=1)
    finite = mse > 0
    return float(np.mean(10.0 * np.log10(4.0 / mse[finite]))) if finite.any() else float("inf")


def pix2pix_generator_loss(fake_logits, fake, real, l1_weight=100.0):
    """pix2pix's generator loss: the non-saturating adversarial term, mean softplus(−logits) over every patch,
    plus ``l1_weight``·mean |real − fake| (Isola et al., eq. 4; λ = 100)."""
    adversarial = tf.reduce_mean(tf.nn.softplus(-tf.cast(fake_logits, tf.float32)))
    return adversarial + l1_weight * tf.reduce_mean(tf.abs(tf.cast(real, tf.float32) - tf.cast(fake, tf.float32)))
