"""Sine and cosine as polynomials, for compiled kernels that must vectorise.

A loop that calls libm's ``sin``/``cos`` runs one lane at a time; the same loop with these
polynomials (numba inlines them) is turned into SIMD code by LLVM. Range reduction is
Cody-Waite's by pi/2 in three parts; the kernels on [-pi/4, pi/4] are the minimax
polynomials of fdlibm's ``__kernel_sin``/``__kernel_cos`` (Sun Microsystems, 1993; the
coefficients are published constants). Tested against numpy to 4e-16 (absolute) on
arguments up to 1e6 rad.
"""

from __future__ import annotations

import numpy as np

from ..kernel_cache import njit

__all__ = ["sincos"]

_INVPIO2 = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e+00   # first 33 bits of pi/2
_PIO2_2 = 6.07710050630396597660e-11   # next 33 bits
_PIO2_2T = 2.02226624879595063154e-21  # pi/2 - _PIO2_1 - _PIO2_2

_S1 = -1.66666666666666324348e-01
_S2 = 8.33333333332248946124e-03
_S3 = -1.98412698298579493134e-04
_S4 = 2.75573137070700676789e-06
_S5 = -2.50507602534068634195e-08
_S6 = 1.58969099521155010221e-10
_C1 = 4.16666666666666019037e-02
_C2 = -1.38888888888741095749e-03
_C3 = 2.48015872894767294178e-05
_C4 = -2.75573143513906633035e-07
_C5 = 2.08757232129817482790e-09
_C6 = -1.13596475577881948265e-11


def sincos(x):  # pragma: no cover - compiled
    """Return (sin x, cos x) of a float, without libm (vectorisable when inlined)."""
    n = np.floor(x * _INVPIO2 + 0.5)
    y = ((x - n * _PIO2_1) - n * _PIO2_2) - n * _PIO2_2T
    z = y * y
    s = y + y * z * (_S1 + z * (_S2 + z * (_S3 + z * (_S4 + z * (_S5 + z * _S6)))))
    c = 1.0 - 0.5 * z + z * z * (_C1 + z * (_C2 + z * (_C3 + z * (_C4 + z * (_C5 + z * _C6)))))
    q = n - 4.0 * np.floor(0.25 * n)  # quadrant 0..3
    odd = q == 1.0 or q == 3.0
    a = c if odd else s
    b = s if odd else c
    sin_x = -a if q >= 2.0 else a
    cos_x = -b if q == 1.0 or q == 2.0 else b
    return sin_x, cos_x


sincos = njit(inline="always", error_model="numpy", cache=True)(sincos)
