"""Loops that numpy cannot vectorise well, compiled to machine code with numba the first time they run.

A function written for compilation is plain Python over numpy arrays and numbers, and still runs as such (the
tests compare both). The compiled code is cached on disk, next to the module or, when the package folder is
read-only, in the user's cache folder: the first process on a machine compiles (a second or two per function),
later ones load it (a fraction of a second). Feature families compile their loops in ``prepare()``, before worker
processes are forked, so workers inherit them.
"""

from __future__ import annotations

from functools import cache


@cache
def compiled(func):
    """``func`` compiled (once per process; ``func`` must use only what numba's nopython mode supports)."""
    import numba

    try:
        return numba.njit(cache=True, nogil=True)(func)
    except RuntimeError:  # no writable place for the on-disk cache: compile in each process instead
        return numba.njit(nogil=True)(func)
