"""PNG plots of residuals (matplotlib, the ``plot`` extra)."""

from __future__ import annotations

import io

import numpy as np

from ..errors import DebrisError
from ..io.files import atomic_write

__all__ = ["residual_plot"]


def residual_plot(table, path) -> None:
    """Cross- and along-track residuals against time, one colour per object, as a PNG.

    Raises
    ------
    DebrisError
        When matplotlib is not installed (``pip install '.[plot]'``).
    """
    try:
        import matplotlib  # optional: the plot extra

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # after choosing the Agg backend
    except ImportError:
        raise DebrisError("--plot needs matplotlib: pip install 'debris[plot]'") from None
    ok = table["object_norad_id"] >= 0
    hours = table["time"].seconds_since(table["time"]) / 3600.0
    fig, axes = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    for norad in np.unique(table["object_norad_id"][ok]):
        rows = ok & (table["object_norad_id"] == norad)
        axes[0].plot(hours[rows], table["cross_track_arcsec"][rows], ".", label=str(norad))
        axes[1].plot(hours[rows], table["along_track_s"][rows], ".")
    axes[0].set_ylabel("cross-track (arcsec)")
    axes[1].set_ylabel("along-track (s)")
    axes[1].set_xlabel("hours after the first observation")
    if ok.any() and np.unique(table["object_norad_id"][ok]).size <= 12:
        axes[0].legend(fontsize="small", title="NORAD")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    with atomic_write(path, "wb", encoding=None) as handle:
        handle.write(buffer.getvalue())
