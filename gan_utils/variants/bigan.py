"""BiGAN / ALI: a GAN that learns its own inverse (Donahue et al. 2017, "Adversarial Feature Learning"; Dumoulin et
al. 2017, "Adversarially Learned Inference"). Taught in 09_control_and_inference.ipynb.

Besides G: z -> x, an encoder E: x -> z. The discriminator judges *pairs*: (x, E(x)) with x a real digit against
(G(z), z) with z from the prior. The only way for G and E to make the two kinds of pair alike is for E to invert G
(at the optimum E = G⁻¹), so E learns features of real images without labels and without a reconstruction loss.

The networks are those of the BiGAN authors' permutation-invariant MNIST setting (their ``train_mnist.sh``): z is 50
numbers uniform in [-1, 1]; G is two fully connected layers of 1024 with batch norm and ReLU, then 784 outputs (tanh
here: the course's images are in [-1, 1]; theirs used a sigmoid for [0, 1]); E is two layers of 1024 with leaky ReLU
(batch norm on the second) and a tanh output (the prior is bounded); the joint discriminator reads x through the
same two-layer stack and z through a layer of 1024, joined by a layer of 1024. Adam 2e-4, β1 = 0.5, batch 128.

Two optimizers: D's, and one for G and E together (the pair plays the generator's side of the game).
"""
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_utils.core.losses import get_loss_pair
from gan_utils.core.steps_base import Steps, apply_gradients_of

LATENT_DIM, WIDTH = 50, 1024


def build_bigan_generator(latent_dim=LATENT_DIM, width=WIDTH, name="bigan_generator"):
    """z (latent_dim,) -> image (28, 28, 1) in [-1, 1]."""
    z = keras.Input((latent_dim,), name="z")
    x = z
    for _ in range(2):
        x = layers.ReLU()(layers.BatchNormalization()(layers.Dense(width)(x)))
    x = layers.Dense(28 * 28, activation="tanh", dtype="float32")(x)
    return keras.Model(z, layers.Reshape((28, 28, 1), dtype="float32")(x), name=name)


def _image_stack(image, width):
    x = layers.Flatten()(image)
    x = layers.LeakyReLU(0.2)(layers.Dense(width)(x))
    return layers.LeakyReLU(0.2)(layers.BatchNormalization()(layers.Dense(width)(x)))


def build_bigan_encoder(latent_dim=LATENT_DIM, width=WIDTH, name="bigan_encoder"):
    """image (28, 28, 1) in [-1, 1] -> code (latent_dim,) in (-1, 1)."""
    image = keras.Input((28, 28, 1), name="image")
    return keras.Model(image, layers.Dense(latent_dim, activation="tanh", dtype="float32")(_image_stack(image, width)),
                       name=name)


def build_joint_discriminator(latent_dim=LATENT_DIM, width=WIDTH, dropout=0.0, name="joint_discriminator"):
    """[image, z] -> one logit: is this a (real image, its code) pair or a (generated image, its noise) pair?"""
    image, z = keras.Input((28, 28, 1), name="image"), keras.Input((latent_dim,), name="z")
    hz = layers.LeakyReLU(0.2)(layers.Dense(width)(z))
    h = layers.Concatenate()([_image_stack(image, width), hz])
    h = layers.Dropout(dropout)(layers.LeakyReLU(0.2)(layers.Dense(width)(h)))
    return keras.Model([image, z], layers.Dense(1, dtype="float32")(h), name=name)


class BiGANSteps(Steps):
    """One BiGAN iteration per batch (``train_step(images)``): a D update on (x, E(x)) against (G(z), z), then a joint
    G and E update with the labels swapped (non-saturating: −log D(G(z), z) − log(1 − D(x, E(x)))). z ~ U(-1, 1)
    from the seeded ``self.rng``. ``train.train_on_arrays`` runs it (``own_train_step``)."""

    own_train_step = True

    def __init__(self, generator, encoder, discriminator, ge_optimizer, d_optimizer, seed=0):
        latent = int(generator.inputs[0].shape[-1])
        if int(encoder.outputs[0].shape[-1]) != latent or int(discriminator.inputs[1].shape[-1]) != latent:
            raise ValueError("the generator's input, the encoder's output and the discriminator's z input must have the "
                             "same size.")
        if ge_optimizer is d_optimizer:
            raise ValueError("give two optimizers: one for D, one for G and E together.")
        self.generator, self.encoder, self.discriminator = generator, encoder, discriminator
        self.ge_optimizer, self.d_optimizer = ge_optimizer, d_optimizer
        self.latent_dim = latent
        self.loss = get_loss_pair("non-saturating")
        self.rng = tf.random.Generator.from_seed(seed)
        self.ge_variables = generator.trainable_variables + encoder.trainable_variables
        ge_optimizer.build(self.ge_variables)
        d_optimizer.build(discriminator.trainable_variables)
        self.train_step = tf.function(self._train_step, reduce_retracing=True)

    def prior(self, n):
        """n codes from the prior, uniform in [-1, 1]^latent_dim."""
        return self.rng.uniform((n, self.latent_dim), -1.0, 1.0)

    def _scores(self, images, z):
        real_pair = self.discriminator([images, self.encoder(images, training=True)], training=True)
        fake_pair = self.discriminator([self.generator(z, training=True), z], training=True)
        return real_pair, fake_pair

    def _train_step(self, images):
        images = tf.cast(images, tf.float32)
        z = self.prior(tf.shape(images)[0])
        with tf.GradientTape() as tape:
            real_pair, fake_pair = self._scores(images, z)
            d_loss = self.loss.discriminator(real_pair, fake_pair)
        apply_gradients_of(tape, d_loss, self.discriminator.trainable_variables, self.d_optimizer)
        with tf.GradientTape() as tape:   # G and E play the other side: the same loss with the roles swapped
            real_pair, fake_pair = self._scores(images, z)
            ge_loss = self.loss.discriminator(fake_pair, real_pair)
        apply_gradients_of(tape, ge_loss, self.ge_variables, self.ge_optimizer)
        return {"d_loss": d_loss, "ge_loss": ge_loss, "d_real_pair": tf.reduce_mean(tf.sigmoid(real_pair)),
                "d_fake_pair": tf.reduce_mean(tf.sigmoid(fake_pair))}

    def encode(self, images, batch_size=1000):
        """Codes of images (uint8 or [-1, 1]); a NumPy array (N, latent_dim)."""
        from gan_utils.core.data import to_model_range

        images = np.asarray(images)
        x = to_model_range(images) if images.dtype == np.uint8 else images.reshape(-1, 28, 28, 1).astype("float32")
        return np.concatenate([self.encoder(x[i:i + batch_size], training=False).numpy()
                               for i in range(0, len(x), batch_size)])


def probe(train_features, train_labels, test_features, test_labels, seed=0):
    """How much of the digit's identity features keep: test accuracy of a linear probe (scaled logistic regression)
    and of a 1-nearest-neighbour classifier (the BiGAN authors' measure), both fitted on the training features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    linear = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed))
    linear.fit(train_features, train_labels)
    nearest = KNeighborsClassifier(n_neighbors=1).fit(train_features, train_labels)
    return {"linear": float(linear.score(test_features, test_labels)),
            "nearest_neighbour": float(nearest.score(test_features, test_labels))}
