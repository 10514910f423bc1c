"""Physics as UFL: phase field, Butler-Volmer kinetics, Nernst-Planck transport, charge balance.

Nothing here touches PETSc: modules return UFL forms and expressions; the
solver owns assembly and the nonlinear solve.
"""
