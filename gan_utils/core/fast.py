"""Drop-in faster versions of three Keras pieces the DCGAN uses; same math, fewer passes over memory.

In ``mixed_bfloat16`` about a quarter of a DCGAN step is work that bf16 matmuls do not speed up
(``benchmarks/what_is_left.py``): dropout's random masks, BatchNorm and Adam's updates. Each class
here computes what its Keras parent computes, with fewer kernels (measured in benchmarks/README.md):

- ``FusedBatchNormalization``: training mode runs one fused kernel (``FusedBatchNormV3``: oneDNN on
  CPUs, cuDNN on GPUs) instead of Keras's float32 upcast, moments, normalisation and downcast.
  Inference, masks, renorm and non-last axes use Keras's own code.
- ``PackedDropout``: draws 16 random bits per element (two elements per 32-bit random number)
  instead of a float uniform number; an element is dropped with probability round(rate·65536)/65536
  (0.3 -> 0.300003).
- ``FusedAdam``: one ``ResourceApplyAdam`` kernel per variable instead of about eight element-wise
  ops; the update formula is Keras's (and Kingma & Ba's with "epsilon hat").

They are used by ``gan_utils.core.models`` and ``gan_utils.variants.recipes``; tests/test_fast.py checks each
against its Keras parent. Explained in benchmarks/README.md (issue 8, performance).
"""
import functools

import keras
import tensorflow as tf

_REGISTER = keras.saving.register_keras_serializable(package="gan_utils")


@functools.cache
def native_bfloat16_batchnorm():
    """Whether the default device has a bfloat16 ``FusedBatchNormV3`` kernel: CPUs with oneDNN (TensorFlow's
    default on x86) do; stock GPU kernels and CPUs without oneDNN do not, and then bfloat16 inputs are
    normalised in float32 (still one fused kernel; XLA, on by default with a GPU, fuses the casts too)."""
    with tf.init_scope():  # run eagerly, even when first asked while a tf.function is being traced
        try:
            x = tf.zeros((2, 1, 1, 1), tf.bfloat16)
            tf.raw_ops.FusedBatchNormV3(x=x, scale=tf.ones((1,)), offset=tf.zeros((1,)), mean=tf.zeros((0,)),
                                        variance=tf.zeros((0,)), is_training=True)
            return True
        except (tf.errors.NotFoundError, tf.errors.InvalidArgumentError, tf.errors.UnimplementedError):
            return False


@_REGISTER
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` whose training pass is one fused kernel."""

    def _can_fuse(self, inputs, training, mask):
        return (training is True and self.trainable and mask is None and not self.renorm and not self.synchronized
                and len(inputs.shape) in (2, 4) and self.axis in (-1, len(inputs.shape) - 1))

    def call(self, inputs, training=None, mask=None):
        if not self._can_fuse(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        channels = inputs.shape[-1]
        x = tf.reshape(inputs, (-1, 1, 1, channels)) if len(inputs.shape) == 2 else inputs
        if x.dtype != tf.float32 and not (x.dtype == tf.bfloat16 and native_bfloat16_batchnorm()):
            x = tf.cast(x, tf.float32)
        scale = tf.cast(self.gamma, tf.float32) if self.scale else tf.ones((channels,), tf.float32)
        offset = tf.cast(self.beta, tf.float32) if self.center else tf.zeros((channels,), tf.float32)
        y, mean, unbiased_variance, *_ = tf.raw_ops.FusedBatchNormV3(
            x=x, scale=scale, offset=offset, mean=tf.zeros((0,)), variance=tf.zeros((0,)),
            epsilon=self.epsilon, exponential_avg_factor=1.0, data_format="NHWC", is_training=True)
        # The kernel returns the unbiased (n - 1) variance; Keras's moving average uses the biased one.
        n = tf.cast(tf.size(x) // channels, tf.float32)
        variance = unbiased_variance * (n - 1.0) / tf.maximum(n, 1.0)
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        y = tf.reshape(y, tf.shape(inputs)) if len(inputs.shape) == 2 else y
        return tf.cast(y, self.compute_dtype)


@_REGISTER
class PackedDropout(keras.layers.Dropout):
    """``keras.layers.Dropout`` with a cheaper mask: 16 random bits per element, not a float."""

    def call(self, inputs, training=False):
        if not training or not self.rate or self.noise_shape is not None:
            return super().call(inputs, training=training)
        threshold = int(round(self.rate * 65536))
        if threshold >= 65536:
            return tf.zeros_like(inputs)
        size = tf.size(inputs)
        seed = tf.cast(self.seed_generator.next(), tf.int32)
        replica = tf.distribute.get_replica_context()
        if replica is not None and replica.num_replicas_in_sync > 1:
            # under tf.distribute the seed state is mirrored: without this every replica would draw the same
            # mask for its rows (as keras.layers.Dropout does); one device is unchanged
            seed = tf.random.experimental.stateless_fold_in(seed, replica.replica_id_in_sync_group)
        words = tf.random.stateless_uniform(((size + 1) // 2,), seed, minval=None, maxval=None, dtype=tf.int32)
        # int16 halves are uniform over all 65,536 values, so P(half < threshold - 32768) = threshold / 65536
        halves = tf.reshape(tf.bitcast(words, tf.int16), (-1,))[:size]
        keep = tf.reshape(halves >= tf.constant(threshold - 32768, tf.int16), tf.shape(inputs))
        # one select builds the scaled mask, so the backward pass is a single multiply
        mask = tf.where(keep, tf.constant(65536 / (65536 - threshold), inputs.dtype), tf.constant(0, inputs.dtype))
        return inputs * mask


@_REGISTER
class FusedAdam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` that updates each dense variable with one fused kernel.

    m <- m + (1 - beta_1)(g - m);  v <- v + (1 - beta_2)(g^2 - v);
    w <- w - lr · sqrt(1 - beta_2^t) / (1 - beta_1^t) · m / (sqrt(v) + epsilon)
    """

    def update_step(self, gradient, variable, learning_rate):
        if self.amsgrad or not isinstance(variable, tf.Variable) or isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=self._momentums[index].value.handle, v=self._velocities[index].value.handle,
            beta1_power=tf.pow(tf.cast(self.beta_1, dtype), step), beta2_power=tf.pow(tf.cast(self.beta_2, dtype), step),
            lr=tf.cast(learning_rate, dtype), beta1=tf.cast(self.beta_1, dtype), beta2=tf.cast(self.beta_2, dtype),
            epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype))


_FUSED_LAYERS = {keras.layers.BatchNormalization: FusedBatchNormalization, keras.layers.Dropout: PackedDropout}


def with_fused_layers(model, kinds=tuple(_FUSED_LAYERS)):
    """A copy of a functional ``model`` (same weights) whose layers of the Keras classes ``kinds``
    (default: BatchNormalization and Dropout) are the fused classes above; a model without such
    layers is returned unchanged."""
    swap = {kind: _FUSED_LAYERS[kind] for kind in kinds}
    if not any(type(layer) in swap for layer in model.layers):
        return model

    def copy_layer(layer):
        return swap.get(type(layer), type(layer)).from_config(layer.get_config())

    from gan_utils.core.kinds import stored_kind, with_kind

    fused = keras.models.clone_model(model, clone_function=copy_layer)
    fused.set_weights(model.get_weights())
    kind = stored_kind(model)  # clone_model keeps the class, not the kind it carries
    return with_kind(fused, **kind) if kind is not None else fused


def fused_optimizer(optimizer):
    """``FusedAdam`` with the settings of a ``keras.optimizers.Adam``; other optimizers unchanged."""
    if type(optimizer) is keras.optimizers.Adam:
        return FusedAdam.from_config(optimizer.get_config())
    return optimizer
