"""Checks of the exercises of notebook 07 (image-to-image translation): PSNR and pix2pix's generator loss."""
import numpy as np

from gan_utils.variants import translation
from gan_utils.checks.core import call_student, diagnose, exercise, scalar_of, all_close, np_softplus, CheckFailed


@exercise("PSNR")
def check_psnr(fn):
    """``fn(images, targets)``: images in [-1, 1], (N, 28, 28, 1); mean over images of 10·log10(2² / MSE_i)."""
    rng = np.random.default_rng(7)
    targets = rng.uniform(-1, 1, (5, 28, 28, 1))
    noise = rng.normal(size=targets.shape) * np.array([0.02, 0.05, 0.1, 0.3, 0.6]).reshape(5, 1, 1, 1)
    images = np.clip(targets + noise, -1, 1)
    value = scalar_of(call_student(fn, images, targets), fn)
    expected = translation.psnr(images, targets)
    if not all_close(value, expected, rtol=1e-4, atol=1e-3):
        mse = ((images - targets) ** 2).reshape(5, -1).mean(axis=1)
        diagnose(value, expected, [
            (float(np.mean(10 * np.log10(1 / mse))), "the peak is the range of the pixel values: [-1, 1] spans 2, "
                                                     "so peak² = 4, not 1."),
            (float(10 * np.log10(4 / mse.mean())), "take the PSNR of each image, then the mean over images (one "
                                                   "very bad image should not hide behind many good ones)."),
            (float(np.mean(10 * np.log(4 / mse))), "decibels use log10, not the natural log."),
            (float(np.mean(10 * np.log10(4 / np.sqrt(mse)))), "divide peak² by the mean *squared* error, not its "
                                                              "square root."),
            (float(np.mean(20 * np.log10(4 / mse))), "10·log10 of a ratio of powers (peak² / MSE); 20·log10 is "
                                                     "for a ratio of amplitudes (peak / RMSE)."),
            (float(np.mean(10 * np.log10(mse / 4))), "the ratio is upside down: peak² / MSE (a closer image gives "
                                                     "a higher PSNR)."),
        ], "the PSNR of 5 noisy images")
    sharper = scalar_of(call_student(fn, np.clip(targets + noise * 0.5, -1, 1), targets), fn)
    if not sharper > value:
        raise CheckFailed("halving the noise should raise the PSNR; yours does not.")
    return f"matches translation.psnr ({expected:.2f} dB), and less noise gives a higher PSNR."


@exercise("pix2pix generator loss")
def check_pix2pix_generator_loss(fn):
    """``fn(fake_logits, fake, real, l1_weight=100.0)``: mean softplus(−logits) + l1_weight·mean|real − fake|."""
    rng = np.random.default_rng(3)
    logits = np.array([-5.0, 1.4, 12.5, 2.7, 0.3, -2.0], "float32").reshape(1, 2, 3, 1)
    real = rng.uniform(-1, 1, (1, 4, 4, 1)).astype("float32")
    fake = np.clip(real + rng.normal(size=real.shape) * 0.3, -1, 1).astype("float32")
    value = scalar_of(call_student(fn, logits, fake, real, l1_weight=100.0), fn)
    expected = float(translation.pix2pix_generator_loss(logits, fake, real, 100.0))
    if not all_close(value, expected):
        adv, l1 = float(np_softplus(-logits).mean()), float(np.abs(real - fake).mean())
        probs = 1 / (1 + np.exp(-logits))
        diagnose(value, expected, [
            (adv + 100 * float(((real - fake) ** 2).mean()), "use the L1 distance |real − fake|, not the squared "
                                                             "error: L1 blurs less (pix2pix's choice)."),
            (adv + l1, "multiply the L1 term by l1_weight (λ = 100)."),
            (adv, "the L1 term is missing: the generator must also stay close to the target."),
            (100 * l1, "the adversarial term is missing: without it this is plain L1 regression."),
            (float(-np_softplus(logits).mean()) + 100 * l1, "this is the saturating form log(1 − D): use the "
                                                          "non-saturating −log D = softplus(−logits)."),
            (float(np_softplus(logits).mean()) + 100 * l1, "the generator wants D to say *real* (label 1): "
                                                         "softplus(−logits), not softplus(logits)."),
            (float(np_softplus(-probs).mean()) + 100 * l1, "the discriminator gives logits: do not apply a sigmoid "
                                                         "before the loss."),
        ], "the loss on fixed logits and images")
    zero = scalar_of(call_student(fn, logits, real, real, l1_weight=100.0), fn)
    if not all_close(zero, float(np_softplus(-logits).mean())):
        raise CheckFailed("with fake == real only the adversarial term should remain.")
    return f"matches translation.pix2pix_generator_loss ({expected:.4f}), L1 term and λ included."
