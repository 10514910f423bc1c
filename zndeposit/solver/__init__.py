"""Nonlinear solvers: periodic dof reduction and the bordered Newton system."""
