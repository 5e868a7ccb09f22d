"""GANs beyond digit images (notebook 10): synthetic tables (``tabular``), their fidelity, utility and privacy
(``privacy``), differentially private training (``dp``), missing-value imputation (``imputation``) and time series
(``sequences``).
"""
from gan_utils import _submodules

__getattr__, __dir__ = _submodules(__name__)
