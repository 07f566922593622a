"""The compiled-loop layer: a loop compiles and runs, and a package folder nobody can write to does not stop it."""

import numpy as np

from toolkit import _compiled


def _total(values):
    out = 0.0
    for v in values:
        out += v
    return out


def _largest(values):  # a second function: ``compiled`` keeps one compiled version per function
    out = -np.inf
    for v in values:
        out = max(out, v)
    return out


def test_a_loop_compiles_and_gives_what_python_gives():
    values = np.arange(10, dtype=np.float64)
    assert _compiled.compiled(_total)(values) == _total(values) == 45.0
    assert _compiled.compiled(_total) is _compiled.compiled(_total)  # compiled once per process


def test_without_a_writable_cache_the_loop_is_compiled_in_memory(monkeypatch):
    import numba

    real = numba.njit
    asked = []

    def njit(*args, **kwargs):
        asked.append(kwargs.get("cache", False))
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function '_largest': no locator available for file")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", njit)
    assert _compiled.compiled(_largest)(np.array([1.0, 3.0, 2.0])) == 3.0
    assert asked == [True, False]
