"""Train steps for the conditional GAN with an auxiliary classifier (AC-GAN) of 05_conditional_gan.ipynb.

The adversarial part is ``GANSteps``' (any loss pair, labels fed to both networks); on top,
the discriminator's class head learns to recognise real digits and the generator is asked to
make its digit y recognisable as y (``losses.auxiliary_classifier_loss``, weight ``class_weight``).
"""
import tensorflow as tf

from gan_utils.losses import auxiliary_classifier_loss
from gan_utils.train import GANSteps


class AuxiliaryClassifierSteps(GANSteps):
    """``GANSteps`` for a conditional generator and a discriminator returning ``[logit, class_logits]``."""

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, class_weight=1.0, **kwargs):
        if len(discriminator.outputs) != 2:
            raise ValueError("AuxiliaryClassifierSteps needs a discriminator with outputs [logit, class_logits] "
                             "(models.build_conditional_discriminator(auxiliary_classifier=True)).")
        if kwargs.get("simultaneous") or kwargs.get("clip_value") is not None or kwargs.get("gp_weight"):
            raise ValueError("AuxiliaryClassifierSteps supports Algorithm 1 without clipping or gradient penalty.")
        super().__init__(generator, discriminator, g_optimizer, d_optimizer, **kwargs)
        if not self.conditional:
            raise ValueError("AuxiliaryClassifierSteps needs a conditional generator (inputs [z, label]).")
        self.class_weight = float(class_weight)

    def _d_step(self, real, labels=None):
        """Adversarial loss on (real, y) vs (G(z, y), y), plus the class loss on real digits."""
        z = self.noise(tf.shape(real)[0])
        with tf.GradientTape() as tape:
            fake = self.generate(z, labels, training=True)
            real_out, real_classes = self.discriminate(real, labels, training=True)
            fake_out, _ = self.discriminate(fake, labels, training=True)
            d_loss = self.d_loss_fn(real_out, fake_out)
            class_loss = auxiliary_classifier_loss(labels, real_classes)
            total = d_loss + self.class_weight * class_loss
        variables = self.discriminator.trainable_variables
        grads = tape.gradient(total, variables)
        self.d_optimizer.apply_gradients(zip(grads, variables))
        recognised = tf.reduce_mean(tf.cast(tf.argmax(real_classes, axis=1, output_type=tf.int32) == labels, tf.float32))
        return {"d_loss": d_loss, "d_class_loss": class_loss, "d_real_class_accuracy": recognised,
                "d_grad_norm": tf.linalg.global_norm(grads), **self._summary(real_out, fake_out)}

    def _g_step(self, batch_size):
        """Fool D for random requested digits, and make each fake recognisable as its digit."""
        z = self.noise(batch_size)
        labels = self.random_labels(batch_size)
        with tf.GradientTape() as tape:
            fake_out, fake_classes = self.discriminate(self.generate(z, labels, training=True), labels, training=True)
            g_loss = self.loss.generator(fake_out)
            class_loss = auxiliary_classifier_loss(labels, fake_classes)
            total = g_loss + self.class_weight * class_loss
        variables = self.generator.trainable_variables
        grads = tape.gradient(total, variables)
        self.g_optimizer.apply_gradients(zip(grads, variables))
        return {"g_loss": g_loss, "g_class_loss": class_loss, "g_grad_norm": tf.linalg.global_norm(grads)}
