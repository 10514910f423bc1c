"""Adaptive meshes: target sizes from the solution, gmsh remeshing, conservative transfer."""
