"""Evaluating generators (notebooks 00, 01, 04, 06, 10): the course classifier and its scores (``metrics``: IS,
Fréchet distance, precision/recall, density/coverage, KID), Fourier traces (``spectra``), 1-D divergences
(``divergences``) and training a classifier on synthetic data (``synthetic``).
"""
from gan_utils import _submodules

__getattr__, __dir__ = _submodules(__name__)
