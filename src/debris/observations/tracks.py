"""Tracks: consecutive observations of one object from one station.

Observations are grouped by station and reported object (NORAD number or international
designator, when given) and split where the time between two observations exceeds
``max_gap_s``. A track is the unit of identification: its observations must all agree with
one catalogue object, with one along-track time offset, and its motion on the sky (rate and
direction, first to last observation) must match the object's.
"""

from __future__ import annotations

import numpy as np

__all__ = ["group_tracks", "bucket_times", "BUCKET_S"]

#: Step of the common grid of times at which the catalogue is propagated for the broad
#: phase (s): each observation is within half of it of a grid time.
BUCKET_S = 60.0


def group_tracks(observations, max_gap_s: float = 120.0) -> np.ndarray:
    """Track number (0, 1, ...) per observation row, shape (N,)."""
    n = len(observations)
    seconds = observations["time"].seconds_since(observations["time"]) if n else np.empty(0)
    key = np.char.add(np.char.add(observations["station"].astype(str), "|"),
                      np.char.add(observations["norad_id"].astype(str),
                                  observations["intl_designator"].astype(str)))
    order = np.lexsort((seconds, key))
    track = np.empty(n, np.int64)
    current = -1
    for position, row in enumerate(order):
        if position == 0 or key[row] != key[order[position - 1]] or \
                seconds[row] - seconds[order[position - 1]] > max_gap_s:
            current += 1
        track[row] = current
    # Number tracks by their first observation's time, so the numbering follows the night.
    first = np.full(current + 1, np.inf)
    np.minimum.at(first, track, seconds)
    rank = np.empty(current + 1, np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(current + 1)
    return rank[track] if n else track


def bucket_times(seconds):
    """Assign each observation to the nearest time of a common grid of :data:`BUCKET_S`.

    The catalogue is propagated once per grid time that has observations, whatever track
    they belong to, and every observation lies within ``BUCKET_S / 2`` of its grid time
    (the reach of the second-order Taylor step of :mod:`.candidates`).

    Returns
    -------
    bucket : ndarray of int, shape (N,)
    centre_s : ndarray, shape (B,)
        Each bucket's reference time (seconds, same origin as `seconds`).
    """
    seconds = np.asarray(seconds, float)
    if not seconds.size:
        return np.empty(0, np.int64), np.empty(0)
    origin = float(seconds.min())
    step = np.rint((seconds - origin) / BUCKET_S).astype(np.int64)
    used, bucket = np.unique(step, return_inverse=True)
    return bucket.reshape(-1).astype(np.int64), origin + used * BUCKET_S
