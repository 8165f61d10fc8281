"""samutils: the helper package shared by the chapters of *SAM Dynamics*.

Modules: ``updates`` (GD, USAM, SAM, momentum; the batched runner), ``landscapes`` (test
functions from one sympy definition), ``symbolic`` (sympy helpers), ``linalg`` (torch.func
Jacobians and Hessians), ``plotting``, ``ledger`` (results and verdicts), ``book`` (a
chapter's set-up), ``chapters`` (the command line).
"""

from .book import Chapter

__all__ = ["Chapter"]
__version__ = "0.1.0"
