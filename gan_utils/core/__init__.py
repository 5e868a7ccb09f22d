"""The training core: what every GAN of the course is made of and trained by (notebooks 00-02).

Data (``data``), paired losses (``losses``), networks (``models``, ``fast``), what a saved model is (``kinds``), the
steps interface (``steps_base``) and Algorithm 1 (``train``), the loop (``trainer``, with ``run_folder`` and
``interrupts``; ``keras_fit`` for Keras' own ``fit``), callbacks and plots (``callbacks``, ``viz``), saving and
sampling (``sampling``), and the settings of the whole package (``config``, ``runtime``, ``native_logs``).
Nothing here imports ``variants``, ``evaluation`` or ``applications`` when it is imported; a few functions do
when they run (gan_utils/README.md lists them).
"""
from gan_utils import _submodules

__getattr__, __dir__ = _submodules(__name__)
