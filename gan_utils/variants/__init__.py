"""The GAN variants, each a ``Steps`` subclass trained by the core's loop (notebooks 01, 03, 05-09).

The toy and Dirac GANs (``toy``, ``dirac``), the remedies for mode collapse (``remedies``), AC-GAN
(``conditional``), image-to-image translation (``translation``, ``image_layers``), progressive growing and StyleGAN
(``progressive``, ``style``), InfoGAN, the semi-supervised GAN, the adversarial autoencoder, BiGAN and latent
editing (``infogan``, ``semisupervised``, ``aae``, ``bigan``, ``editing``), the VAE baseline (``vae``), and the
command line's named models (``recipes``).
"""
from gan_utils import _submodules

__getattr__, __dir__ = _submodules(__name__)
