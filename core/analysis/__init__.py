"""Analysis of loaded points: per-series statistics and comparisons between runs.

Series convention: per-series functions (smoothing, downsampling, convergence, anomalies,
overfitting) take plain float64 numpy arrays ``steps, values`` of one metric of one run, sorted
by step, NaN/inf kept as points; :func:`curvelens.core.analysis.summary.series` cuts them out
of a ``POINTS``/``RUN_POINTS`` frame. Frame-level functions (``summary.summarize``) take the
frames directly. Results are frames or frozen dataclasses; nothing here draws or prints.
This package imports nothing itself: scipy is imported inside the functions that need it.
"""
