"""Geometry and mesh: gmsh model from a case, physical groups, mesh cache."""
