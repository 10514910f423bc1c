"""Butler-Volmer kinetics with bounded exponentials (UFL).

Newton diverges on raw BV exponentials (DOLFINx issue 4229): arguments are
passed through :func:`soft_clip`, the identity for |x| <= X_CAP and a
logarithmic continuation beyond (continuous value and slope), so exp()
stays finite at any Newton iterate while physical overpotentials (|x| < 30,
i.e. |eta| < 0.8 V at alpha n = 1) are untouched.
"""

from __future__ import annotations

import ufl

#: exponent magnitude up to which Butler-Volmer is exact
X_CAP = 30.0


def soft_clip(x: ufl.core.expr.Expr, cap: float = X_CAP) -> ufl.core.expr.Expr:
    """X for |x| <= cap, else sign(x) (cap + ln(1 + |x| - cap)): C1, monotone, slow growth."""
    over = cap + ufl.ln(1 + ufl.max_value(x - cap, 0))
    under = -cap - ufl.ln(1 + ufl.max_value(-x - cap, 0))
    return ufl.conditional(ufl.gt(x, cap), over, ufl.conditional(ufl.lt(x, -cap), under, x))


def bv_bracket(
    n_f_eta: ufl.core.expr.Expr,
    c_ratio: ufl.core.expr.Expr,
    alpha_a: float,
    alpha_c: float,
    donnan: ufl.core.expr.Expr | float = 1.0,
) -> ufl.core.expr.Expr:
    """exp(alpha_a n f eta) r^alpha_a - (c/c_ref) r^(1-alpha_c) exp(-alpha_c n f eta).

    Positive = anodic (dissolution), negative = cathodic (plating). ``n_f_eta``
    is n F eta / (R T); ``c_ratio`` is c/c_ref with c the bulk-equivalent
    concentration; ``donnan`` r = c+/c is the Donnan enrichment of Zn2+ in a
    charged host (1 without fixed charge), so that at equilibrium the Nernst
    potential of the bulk-equivalent c is recovered.
    """
    anodic = ufl.exp(soft_clip(alpha_a * n_f_eta))
    cathodic = ufl.exp(soft_clip(-alpha_c * n_f_eta))
    if isinstance(donnan, float) and donnan == 1.0:
        return anodic - c_ratio * cathodic
    return anodic * donnan**alpha_a - c_ratio * donnan ** (1 - alpha_c) * cathodic
