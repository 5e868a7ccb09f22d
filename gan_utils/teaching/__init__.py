"""Teaching support: the student edition of the notebooks (``student``; TEACHING.md). The exercise checks it pairs
with are the ``gan_utils.checks`` subpackage.
"""
from gan_utils import _submodules

__getattr__, __dir__ = _submodules(__name__)
