"""zndeposit: finite-element simulation of Zn deposition and dendrite growth.

Importing the package is cheap: DOLFINx and gmsh load only in the modules
that need them.
"""

__version__ = "0.1.0"
