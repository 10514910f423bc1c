"""Import DOLFINx and friends in the right order, on both installs.

With the ``dolfinx-solver-real`` wheel, ``dolfinx_solver`` must be imported
before ``mpi4py``/``petsc4py``/``dolfinx`` so that the vendored MPI loads
first. The Docker image (official DOLFINx) has no such module. Modules that
need DOLFINx do ``from zndeposit.fem import dolfinx, MPI, PETSc``.
"""

from __future__ import annotations

try:  # PyPI wheel install
    import dolfinx_solver  # noqa: F401
except ImportError:  # official DOLFINx image
    pass

from mpi4py import MPI
from petsc4py import PETSc

import dolfinx
import dolfinx.io.gmsh

__all__ = ["MPI", "PETSc", "dolfinx"]
