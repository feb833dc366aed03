"""Performance benchmarks of livedual, run by ``livedual bench``.

Installed as ``livedual.benchmarks`` (like ``livedual.train`` and ``livedual.export``),
so the generic name ``benchmarks`` never shadows another package.
:mod:`.harness` measures; the ``*_cases`` modules say what to measure; :mod:`.cases`
collects them (and the live-latency cases of :mod:`.live_latency` when that module exists).
"""
