"""Train steps for the conditional GAN with an auxiliary classifier (AC-GAN) of 05_conditional_gan.ipynb.

The adversarial part is ``GANSteps``' (any loss pair, labels fed to both networks); on top, the
discriminator's class head c(x) is trained with the class loss of Odena et al. (2017)
(``losses.auxiliary_classifier_loss``, weight ``class_weight``):

- D minimises the class cross-entropy on real digits with their labels **and** on fakes with the
  labels they were generated for (``fake_class_loss=True``, the paper's L_C on both sources);
- G minimises it on its fakes for the requested digit (draw a y that the class head reads as y).

``fake_class_loss=False`` trains D's class head on real digits only (a "real-only class head"
variant, not the paper's): D then never learns what a bad fake of a 7 looks like as a class.
"""
import tensorflow as tf

from gan_utils.core.losses import auxiliary_classifier_loss
from gan_utils.core.train import GANSteps
from gan_utils.core.steps_base import apply_gradients_of


def _accuracy(labels, class_logits):
    return tf.reduce_mean(tf.cast(tf.argmax(class_logits, axis=1, output_type=tf.int32) == labels, tf.float32))


class AuxiliaryClassifierSteps(GANSteps):
    """``GANSteps`` for a conditional generator and a discriminator returning ``[logit, class_logits]``.

    ``fake_class_loss`` (default True, as in Odena et al.): D's class loss is the cross-entropy on
    real digits plus the cross-entropy on fakes against their requested labels; False: real digits only.
    """

    supports_strategy = True  # the steps scale their losses with scale_for_gradients (tf.distribute, float16)

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, class_weight=1.0, fake_class_loss=True,
                 **kwargs):
        if len(discriminator.outputs) != 2:
            raise ValueError("AuxiliaryClassifierSteps needs a discriminator with outputs [logit, class_logits] "
                             "(models.build_conditional_discriminator(auxiliary_classifier=True)).")
        if kwargs.get("simultaneous") or kwargs.get("clip_value") is not None or kwargs.get("gp_weight"):
            raise ValueError("AuxiliaryClassifierSteps supports Algorithm 1 without clipping or gradient penalty.")
        super().__init__(generator, discriminator, g_optimizer, d_optimizer, **kwargs)
        if not self.conditional:
            raise ValueError("AuxiliaryClassifierSteps needs a conditional generator (inputs [z, label]).")
        self.class_weight = float(class_weight)
        self.fake_class_loss = bool(fake_class_loss)

    def discriminator_losses(self, real, fake, labels, training=True):
        """D's losses on a real batch and fakes generated for the same ``labels``: a dict with the
        adversarial ``d_loss``, ``d_real_class_loss``, ``d_fake_class_loss`` (always computed, for the
        logs), ``d_class_loss`` (what D minimises: real + fake terms, or real only) and ``total``
        = d_loss + class_weight · d_class_loss; plus the heads' outputs for the summaries."""
        real_out, real_classes = self.discriminate(real, labels, training=training)
        fake_out, fake_classes = self.discriminate(fake, labels, training=training)
        d_loss = self.d_loss_fn(real_out, fake_out)
        real_class_loss = auxiliary_classifier_loss(labels, real_classes)
        fake_class_loss = auxiliary_classifier_loss(labels, fake_classes)
        class_loss = real_class_loss + fake_class_loss if self.fake_class_loss else real_class_loss
        return {"d_loss": d_loss, "d_real_class_loss": real_class_loss, "d_fake_class_loss": fake_class_loss,
                "d_class_loss": class_loss, "total": d_loss + self.class_weight * class_loss,
                "real_out": real_out, "fake_out": fake_out, "real_classes": real_classes, "fake_classes": fake_classes}

    def _d_step(self, real, labels=None):
        """Adversarial loss on (real, y) vs (G(z, y), y), plus the class loss (real and fake digits by default)."""
        z = self.noise(tf.shape(real)[0])
        with tf.GradientTape() as tape:
            fake = self.generate(z, labels, training=True)
            out = self.discriminator_losses(real, fake, labels, training=True)
            total = self.scale_for_gradients(out["total"], self.d_optimizer)
        variables = self.discriminator.trainable_variables
        grads = apply_gradients_of(tape, total, variables, self.d_optimizer)
        return {"d_loss": out["d_loss"], "d_class_loss": out["d_class_loss"],
                "d_real_class_loss": out["d_real_class_loss"], "d_fake_class_loss": out["d_fake_class_loss"],
                "d_real_class_accuracy": _accuracy(labels, out["real_classes"]),
                "d_fake_class_accuracy": _accuracy(labels, out["fake_classes"]),
                "d_grad_norm": self._grad_norm(grads, self.d_optimizer), **self._summary(out["real_out"], out["fake_out"])}

    def _g_step(self, batch_size):
        """Fool D for random requested digits, and make each fake recognisable as its digit."""
        z = self.noise(batch_size)
        labels = self.random_labels(batch_size)
        with tf.GradientTape() as tape:
            fake_out, fake_classes = self.discriminate(self.generate(z, labels, training=True), labels, training=True)
            g_loss = self.loss.generator(fake_out)
            class_loss = auxiliary_classifier_loss(labels, fake_classes)
            total = self.scale_for_gradients(g_loss + self.class_weight * class_loss, self.g_optimizer)
        variables = self.generator.trainable_variables
        grads = tape.gradient(total, variables)
        self.g_optimizer.apply_gradients(zip(grads, variables))
        return {"g_loss": g_loss, "g_class_loss": class_loss, "g_grad_norm": self._grad_norm(grads, self.g_optimizer)}
