"""Automatic checks for the course's coding exercises ("students write the GAN", issue #15).

Each ``check_*`` function runs a student's function on fixed inputs, compares it with the package's
own implementation (``losses``, ``train.GANSteps``, ``models``, ``metrics``) and **prints one sentence**:
``✓ <exercise>: …`` when it matches, ``✗ <exercise>: …`` saying what differs (a sign, a missing term, a
shape, a missing ``training=True``…). It then **returns True or False**; it never raises for a wrong
answer, so a check cell shows one line, not a traceback. A function that still raises
``NotImplementedError`` (the student edition's skeleton) gets "not implemented yet"; any other
exception in the student's code is reported in the same one-sentence form.

Inside a check, a failed comparison raises ``CheckFailed(sentence)``; the ``@exercise`` decorator (``core``) turns
it into the printed ✗ line and ``False``. Write new checks the same way.

The exercises and what each check compares (notebook in brackets):

- ``check_discriminator_loss``, ``check_generator_loss(kind=…)``: losses on the fixed logits
  real = [-5.0, 1.4, 12.5, 2.7], fake = [0.3, -2.0, -12.5, 4.1] [01];
- ``check_d_step``, ``check_g_step``: one ``tf.GradientTape`` update. The student's ``d_step(real)`` /
  ``g_step(batch_size)`` reads ``generator``, ``discriminator``, ``d_optimizer``, ``g_optimizer`` and
  ``noise(n)`` as notebook globals (or takes them as keyword arguments); the check swaps in tiny models
  (BatchNorm in G, a fixed-mask dropout in D, so a missing ``training=True`` changes the numbers
  deterministically), SGD optimizers and fixed noise, and compares the loss and the updated weights
  with ``GANSteps`` on the same weights, noise and batch [01];
- ``check_dcgan_generator``: the block shapes (7,7,256) -> (7,7,128) -> (14,14,64) -> (28,28,1), BatchNorm,
  tanh and the parameter count; ``check_dcgan_discriminator``: strided convolutions 28 -> 14 -> 7, no pooling,
  LeakyReLU, one logit (no sigmoid) [02];
- ``check_smoothed_discriminator_loss`` (one-sided label smoothing), ``check_feature_matching_loss`` [03];
- ``check_weight_clipping``, ``check_gradient_penalty`` [04];
- ``check_conditional_generator``: shapes, and the output depends on the label and on z;
  ``check_auxiliary_classifier_loss``: the AC-GAN class cross-entropy from logits [05];
- ``check_inception_score``, ``check_frechet_distance``: known cases and ``metrics`` [06];
- ``check_psnr``, ``check_pix2pix_generator_loss`` (adversarial + λ·L1) [07];
- ``check_minibatch_stddev`` (ProGAN's minibatch standard deviation: groups, population std, ε),
  ``check_truncation`` (StyleGAN's truncation trick, w_avg + ψ·(w − w_avg)) [08];
- ``check_info_loss`` (InfoGAN's L_I), ``check_unsupervised_loss`` (the semi-supervised GAN's real/fake term,
  stable for large logits) [09];
- ``check_distance_to_closest_record`` (privacy: scaled Euclidean nearest-record distance),
  ``check_high_frequency_share`` (the spectral trace of upsampling) [10].

The checks live in one module per topic (``losses``, ``steps``, ``networks``, ``wgan``, ``metrics``, ``translation``, ``style``, ``control``, ``beyond``; shared
machinery in ``core``) and are all importable from here. TEACHING.md explains the exercise cells.
"""
from gan_utils.checks.beyond import check_distance_to_closest_record, check_high_frequency_share
from gan_utils.checks.control import check_info_loss, check_unsupervised_loss
from gan_utils.checks.core import CheckFailed
from gan_utils.checks.losses import (check_auxiliary_classifier_loss, check_discriminator_loss,
                                     check_feature_matching_loss, check_generator_loss,
                                     check_smoothed_discriminator_loss)
from gan_utils.checks.metrics import check_frechet_distance, check_inception_score
from gan_utils.checks.networks import check_conditional_generator, check_dcgan_discriminator, check_dcgan_generator
from gan_utils.checks.steps import FixedMaskDropout, check_d_step, check_g_step
from gan_utils.checks.style import check_minibatch_stddev, check_truncation
from gan_utils.checks.translation import check_pix2pix_generator_loss, check_psnr
from gan_utils.checks.wgan import check_gradient_penalty, check_weight_clipping

ALL_CHECKS = {
    "01_vanilla_gan": [check_discriminator_loss, check_generator_loss, check_d_step, check_g_step],
    "02_dcgan": [check_dcgan_generator, check_dcgan_discriminator],
    "03_training_pitfalls": [check_smoothed_discriminator_loss, check_feature_matching_loss],
    "04_wgan": [check_weight_clipping, check_gradient_penalty],
    "05_conditional_gan": [check_conditional_generator, check_auxiliary_classifier_loss],
    "06_evaluating_and_using_gans": [check_inception_score, check_frechet_distance],
    "07_image_to_image": [check_psnr, check_pix2pix_generator_loss],
    "08_progressive_and_style": [check_minibatch_stddev, check_truncation],
    "09_control_and_inference": [check_info_loss, check_unsupervised_loss],
    "10_beyond_images": [check_distance_to_closest_record, check_high_frequency_share],
}

__all__ = ["ALL_CHECKS", "CheckFailed", "FixedMaskDropout", "check_auxiliary_classifier_loss", "check_d_step",
           "check_dcgan_discriminator", "check_dcgan_generator", "check_discriminator_loss",
           "check_distance_to_closest_record", "check_high_frequency_share", "check_info_loss", "check_unsupervised_loss",
           "check_feature_matching_loss", "check_frechet_distance", "check_g_step", "check_generator_loss",
           "check_gradient_penalty", "check_inception_score", "check_smoothed_discriminator_loss",
           "check_weight_clipping", "check_conditional_generator", "check_psnr", "check_pix2pix_generator_loss",
           "check_minibatch_stddev", "check_truncation"]
