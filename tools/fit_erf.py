#!/usr/bin/env python3
"""Fits the rational erf of the Java backend's vector GELU (VectorMath.gelu):

    erf(z) ~ z * P(z^2) / Q(z^2),  P and Q of degree 5, Q(0) = 1,  z clamped to [-R, R], R = 3.92

(beyond R, erf is 1 to float precision). A linear least-squares start (erf * Q - z * P = 0),
then nonlinear least squares of the true error with Lawson re-weighting towards the minimax
fit. Prints the largest error in double and evaluated in float32 as the Java code does (Horner
steps, clamp, one division), and the coefficients as Java constants. Needs numpy and scipy
(Debian: python3-scipy); deterministic.
"""
import math

import numpy as np
from scipy.optimize import least_squares

R = 3.92
DEGREE = 5
f32 = np.float32


def rational(sol, z):
    t = z * z
    p, q = sol[:DEGREE + 1], np.concatenate([[1.0], sol[DEGREE + 1:]])
    return z * np.polyval(p[::-1], t) / np.polyval(q[::-1], t)


def in_float(sol, z):
    p, q = sol[:DEGREE + 1], np.concatenate([[1.0], sol[DEGREE + 1:]])
    zz = np.clip(z.astype(f32), f32(-R), f32(R))
    t = (zz * zz).astype(f32)
    P, Q = np.full_like(t, f32(p[-1])), np.full_like(t, f32(q[-1]))
    for c in reversed(p[:-1]):
        P = (P * t + f32(c)).astype(f32)
    for c in reversed(q[:-1]):
        Q = (Q * t + f32(c)).astype(f32)
    return (zz * P / Q).astype(f32)


def main():
    z = np.cos(np.linspace(0, math.pi, 4000)) * R / 2 + R / 2
    y = np.array([math.erf(v) for v in z])
    t = z * z
    a = np.zeros((len(z), 2 * DEGREE + 1))
    for i in range(DEGREE + 1):
        a[:, i] = z * t ** i
    for j in range(1, DEGREE + 1):
        a[:, DEGREE + j] = -y * t ** j
    sol = np.linalg.lstsq(a, y, rcond=None)[0]
    w = np.ones(len(z))
    best = None
    for _ in range(25):
        sol = least_squares(lambda s: w * (rational(s, z) - y), sol, method="lm", xtol=1e-15, ftol=1e-15).x
        err = rational(sol, z) - y
        worst = np.max(np.abs(err))
        if best is None or worst < best[0]:
            best = (worst, sol.copy())
        w = w * (np.abs(err) / worst + 1e-3) ** 0.5
        w /= w.max()
    worst, sol = best
    check = np.linspace(-7, 7, 140001)
    exact = np.array([math.erf(v) for v in check])
    print("max |error|: %.2e in double on [0, %g], %.2e in float32 on [-7, 7]"
          % (worst, R, np.max(np.abs(in_float(sol, check).astype(np.float64) - exact))))
    p, q = sol[:DEGREE + 1], sol[DEGREE + 1:]
    print("P: " + ", ".join("%.9ef" % c for c in p))
    print("Q: 1, " + ", ".join("%.9ef" % c for c in q))


if __name__ == "__main__":
    main()
