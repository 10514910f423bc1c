"""Butler-Volmer kinetics with bounded exponentials (UFL).

Newton diverges on raw BV exponentials (DOLFINx issue 4229): the exponent
of each term (overpotential and log-concentration together) is passed
through :func:`soft_clip`, the identity for |x| <= X_CAP and a logarithmic
continuation beyond (continuous value and slope), so exp() stays finite at
any Newton iterate while physical rates (up to e^30 = 1e13 times i0) are
untouched.
"""

from __future__ import annotations

import ufl

#: exponent magnitude up to which Butler-Volmer is exact
X_CAP = 30.0


def soft_clip(
    x: ufl.core.expr.Expr, cap: float = X_CAP, *, lower: bool = True
) -> ufl.core.expr.Expr:
    """X for |x| <= cap, else sign(x) (cap + ln(1 + |x| - cap)): C1, monotone, slow growth.

    With ``lower=False`` only the upper side is bounded (x below -cap is kept).
    """
    over = cap + ufl.ln(1 + ufl.max_value(x - cap, 0))
    if not lower:
        return ufl.conditional(ufl.gt(x, cap), over, x)
    under = -cap - ufl.ln(1 + ufl.max_value(-x - cap, 0))
    return ufl.conditional(ufl.gt(x, cap), over, ufl.conditional(ufl.lt(x, -cap), under, x))


def bv_bracket(
    n_f_eta: ufl.core.expr.Expr,
    log_c_ratio: ufl.core.expr.Expr,
    alpha_a: float,
    alpha_c: float,
    log_donnan: ufl.core.expr.Expr | float = 0.0,
) -> ufl.core.expr.Expr:
    """exp(alpha_a n f eta) r^alpha_a - (c/c_ref) r^(1-alpha_c) exp(-alpha_c n f eta).

    Positive = anodic (dissolution), negative = cathodic (plating). ``n_f_eta``
    is n F eta / (R T); ``log_c_ratio`` is ln(c/c_ref) with c the bulk-equivalent
    concentration; ``log_donnan`` is ln r, r = c+/c the Donnan enrichment of
    Zn2+ in a charged host (0 without fixed charge), so that at equilibrium the
    Nernst potential of the bulk-equivalent c is recovered.

    Each term is one exponential of a summed exponent, and the SUM is bounded
    (:func:`soft_clip`): at depletion (c/c_ref -> 1e-8 and below) the
    overpotential can grow until exp(ln(c/c_ref) - alpha_c n f eta) carries the
    current, with no cap on the overpotential alone.
    """
    anodic = ufl.exp(soft_clip(alpha_a * (n_f_eta + log_donnan)))
    cathodic = ufl.exp(soft_clip(log_c_ratio + (1 - alpha_c) * log_donnan - alpha_c * n_f_eta))
    return anodic - cathodic
