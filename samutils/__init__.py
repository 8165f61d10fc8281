"""samutils: the helper package shared by the chapters of *SAM Dynamics*.

Two floors. The science, which chapters import:

- ``updates``: GD, USAM, SAM (normalized), heavy-ball momentum on batched tensors; the batched
runner;
- ``landscapes``: test functions defined once in sympy, compiled to torch loss, gradient, Hessian;
- ``symbolic``: update maps, Jacobians and display in sympy;
- ``linalg``: torch.func Jacobians, Hessians, eigenvalues, Hessian-vector products, power
  iteration and Lanczos;
- ``fit``: least-squares and log-log slopes, batched;
- ``stability``: linear stability of a critical point under USAM, predicted and observed, and of
  the mean loss with gradient noise;
- ``atlas``: GD, USAM, heavy ball and normalized SAM on one eigendirection, predicted and observed;
- ``moments``: exact second moments of linear stochastic iterations and linear SDEs;
- ``bouncing``: SAM on a convex quadratic and at a minimum, in paper B's notation;
- ``doublewell``: paper K's double well and its SAM objective;
- ``protocols``: the experimental protocols of the papers' released code;
- ``proportions``: estimated probabilities against printed ones;
- ``switching``, ``valleys``: paper Z's switch from SGD to SAM (Example 4.1 and a network) and
  whether full-batch USAM leaves a 1-D valley;
- ``optim``, ``nets``, ``training``, ``data``: SAM as a torch optimizer, networks as functions of a
  flat parameter vector, many small networks trained at once, the data sets read from disk;
- ``checks``: one computed comparison each, and the verdict they give; ``power``: what the
  paired test of ``checks.positive`` can detect at a number of seeds;
- ``ledger``: settings and corrections, the results contract and the claims table;
- ``variants``: which rule each claim is about, and what decides it for USAM and normalized SAM;
- ``chapter``: a chapter's set-up (``Chapter``: parameters, seed, claims, glued values, tables,
figures);
- ``layout``: where the book keeps things (light, no torch); ``citation``: how to cite;
  ``plotting``: the book's figure style.

The machinery that runs and builds the book is ``samutils.build`` (command line, runner,
fingerprints, execution cache, Sphinx extension, generated pages, benchmarks); it imports the
science, never the other way round, and ``import samutils`` loads none of it (nor torch).
"""

__all__ = ["Chapter"]
__version__ = "0.2.0"


def __getattr__(name):
    if name == "Chapter":  # imported on first use: the build floor and Sphinx need no torch
        from .chapter import Chapter

        return Chapter
    raise AttributeError(f"module 'samutils' has no attribute {name!r}")
