"""PNG figures for ``curvelens report``, like the old scripts saved (needs matplotlib).

matplotlib is optional (the ``png`` extra) and imported only here, inside the functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path


def png_available() -> bool:
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def save_png(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    title: str,
    logy: bool,
    path: Path,
) -> None:
    """Draw named ``(steps, values)`` series as lines and save them to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    for name, (steps, values) in series.items():
        ys = [v if math.isfinite(v) and (v > 0 or not logy) else math.nan for v in values]
        ax.plot(steps, ys, label=name, linewidth=1.2)
    if logy:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel("step")
    ax.grid(True, alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
