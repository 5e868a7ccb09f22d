"""Keras' own ``fit`` as a way in: ``GANModel(steps)`` trains any steps object with ``model.fit(dataset)``.

keras-io's GAN examples put the update in a ``keras.Model`` subclass's ``train_step`` and train it with ``fit``;
here ``train_step`` calls the steps object (``steps_base.Steps``), so the update is the course's own, and the
standard Keras callbacks (``TensorBoard``, ``EarlyStopping``-style, ``BackupAndRestore``, ``CSVLogger``) see its
logs. One ``fit`` step is one iteration of the ``Trainer``'s loop with ``d_steps=1``: ``d_step`` then ``g_step``
on the batch (``joint_step`` for simultaneous steps, ``train_step`` for steps with ``own_train_step``). From the
same weights, seed and batches, ``fit`` and ``Trainer.fit`` end at the same weights (tests/test_keras_fit.py).

What stays with the ``Trainer``: k > 1 discriminator steps per generator step, the moving average of the
generator, the run folder (resume mid-epoch, lock, NaN guard) and ``tf.distribute`` strategies (the steps
object runs its own ``strategy.run``; ``GANModel`` refuses a steps object that has a strategy).

    model = GANModel(steps)
    model.compile()
    model.fit(make_dataset(images, batch_size=64, drop_remainder=True), epochs=2, callbacks=[...])
"""
import keras
import tensorflow as tf

from gan_utils.core.steps_base import Steps


class GANModel(keras.Model):
    """A ``keras.Model`` whose ``train_step`` is one iteration of ``steps`` (any ``steps_base.Steps``).

    ``num_samples`` fixed inputs are drawn from the steps object at construction, as the ``Trainer`` does
    (so both consume the same random numbers); ``preview()`` shows them through the generator."""

    def __init__(self, steps, num_samples=16, **kwargs):
        if not isinstance(steps, Steps):
            raise ValueError(f"GANModel trains a steps object (a subclass of steps_base.Steps such as GANSteps), "
                             f"got {type(steps).__name__}.")
        if steps.strategy is not None:
            raise ValueError("this steps object runs under a tf.distribute strategy, which it drives itself: train "
                             "it with trainer.Trainer, or build it without strategy= for GANModel.")
        super().__init__(name=kwargs.pop("name", "gan_model"), **kwargs)
        self.steps = steps
        self.generator, self.discriminator = steps.generator, steps.discriminator
        self.fixed_inputs = tf.Variable(steps.fixed_inputs(num_samples), trainable=False, name="fixed_inputs")
        self.fixed_labels = tf.Variable(tf.repeat(tf.range(10, dtype=tf.int32), -(-num_samples // 10))[:num_samples],
                                        trainable=False, name="fixed_labels")

    def compile(self, jit_compile=False, **kwargs):
        """No loss and no optimizer here: the steps object has its own two. ``jit_compile`` defaults to False (the
        steps decide about XLA: ``GANSteps(jit_compile=)``), so ``fit`` does what the ``Trainer`` does."""
        if "optimizer" in kwargs or "loss" in kwargs:
            raise ValueError("GANModel.compile takes no optimizer or loss: the steps object has its own optimizers "
                             "and losses (set them when you build it).")
        super().compile(jit_compile=jit_compile, **kwargs)

    def call(self, inputs, training=False):
        """The generator: ``model(z)`` (``model([z, labels])`` for a conditional GAN) draws images."""
        return self.generator(inputs, training=training)

    def train_step(self, data):
        steps = self.steps
        real, labels = data if steps.conditional else (data, None)
        if steps.own_train_step:
            return steps.train_step(real)
        extra = (labels,) if labels is not None else ()
        if steps.simultaneous:
            return steps.joint_step(real, *extra)
        return {**steps.d_step(real, *extra), **steps.g_step(tf.shape(real)[0])}

    def preview(self):
        """The fixed inputs through the generator (images in [-1, 1], or a translation model's rows)."""
        return self.steps.preview(self.generator, self.fixed_inputs, self.fixed_labels)
