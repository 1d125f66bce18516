"""Default settings of the comparison analyses, importable without numpy or polars (the
CLI's option defaults are built at start-up, before any data is read)."""

#: Default divergence threshold: 5 % relative gap (|b/a - 1| > 0.05), a gap well beyond
#: typical seed-to-seed noise of a smoothed loss, yet small enough to flag a real change.
DEFAULT_THRESHOLD = 0.05
#: Default number of consecutive aligned points beyond the threshold: 3, so a single
#: noisy eval (or two) does not count as a divergence.
DEFAULT_CONSECUTIVE = 3
