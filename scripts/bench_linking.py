"""Linking uncorrelated tracks into objects: simulations and satfit's real deep-space archive.

    python scripts/bench_linking.py [--skip-satfit] [--skip-simulations]

1. **Simulations** (the cases ``tests/test_linking.py`` keeps): crowded shells of the bundled
   catalogue (150 objects drawn from the Starlink 53 deg shell and from the sun-synchronous
   debris shell, 4 nights at Sanglokh, 1-3 minute tracks, 2" noise, every track its own
   number; nights 1-3 linked, night 4 predicted) and the precise orbits of Stella and
   Jason-3. Prints objects seen on 2+ nights, linked and predicted within 0.25 deg, orbits
   over 2+ nights and pure, and the time the linking took.
2. **satfit's deep-space archive** (``tests/data/observations/satfit_deep_space``: real IOD
   observations of 213 MEO, GEO and HEO objects by SeeSat-L observers, 2006-2010): every
   track (one station's observations within an hour) given its own number, all objects
   mixed; each object's last night held back. Per object: its tracks, the tracks of the
   linked orbit that holds most of them, that orbit's nights and purity, and its
   residual on the held-back night (deg; the largest angle). No Python peer links tracks
   (Orekit has the initial-orbit methods but no linking; find_orb and satfit link by
   hand), so there is no ratio to print.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from debris import Catalog  # noqa: E402
from debris.observations import load_stations, observation_geometry  # noqa: E402
from debris.observations.linking import link_tracks, observing_nights  # noqa: E402
from debris.observations.simulate import score_links  # noqa: E402
from debris.observations.tracks import group_tracks  # noqa: E402


def simulations() -> None:
    from test_linking import _survey, precise_linking  # the same cases the tests keep

    catalog = Catalog.bundled()
    stations = load_stations()
    for kind in ("starlink", "sun-synchronous"):
        obs, truth = _survey(catalog, kind)
        g = observation_geometry(obs, stations)
        track = group_tracks(obs, 300.0)
        seconds = obs["time"].seconds_since(obs["time"][:1])
        used = np.flatnonzero(seconds < 3 * 86400.0)
        held = np.flatnonzero(seconds >= 3 * 86400.0)
        began = time.perf_counter()
        links, _ = link_tracks(g.take(used), track[used],
                               sigma_arcsec=obs["sigma_arcsec"][used])
        took = time.perf_counter() - began
        s = score_links(links, truth, g, used, held)
        errors = sorted(s["errors_deg"].values())
        print(f"{kind} shell: {len(np.unique(truth))} objects seen, "
              f"{len(np.unique(track[used]))} tracks on nights 1-3; {s['objects']} objects "
              f"on 2+ nights and on night 4: {s['predicted']} linked and predicted within "
              f"0.25 deg ({100 * s['predicted'] / max(s['objects'], 1):.0f} %); "
              f"{s['orbits']} orbits over 2+ nights, {s['pure']} pure "
              f"({100 * s['pure'] / max(s['orbits'], 1):.0f} %); next-night error median "
              f"{np.median(errors):.3f} deg; linking {took:.1f} s")
    for name, label in (("stella", "Stella (SP3)"), ("jason3", "Jason-3 (CPF)")):
        _, g, track, used, links, unlinked, s = precise_linking(name)
        best = max(links, key=lambda link: len(link.tracks)) if links else None
        print(f"{label}: {len(np.unique(track[used]))} tracks over "
              f"{observing_nights(g.times[used], g.site_km[used])} nights -> {len(links)} "
              f"orbit(s), {len(unlinked)} unlinked; "
              + (f"{len(best.tracks)} tracks, RMS {best.fit.rms_arcsec:.1f}\"; next night "
                 f"{s['errors_deg'].get(0, float('nan')):.3f} deg" if best else "no link"))


def satfit() -> None:
    from test_linking import satfit_linking  # the case the test keeps

    began = time.perf_counter()
    obs, truth, track, used, links, s, confirmed = satfit_linking()
    took = time.perf_counter() - began
    print(f"satfit deep-space archive: {len(obs)} observations of {len(np.unique(truth))} "
          f"objects in {len(np.unique(track))} tracks (one station within an hour; "
          f"{len(np.unique(track[used]))} given to the linking, each object's last night of "
          f"3+ held back); reading and linking {took:.1f} s (gaps up to 30 days)")
    print(f"  {len(links)} linked orbits ({sum(link.quality == 'linked' for link in links)} "
          f"of 3+ tracks), {s['pure']} of {s['orbits']} over 2+ nights pure "
          f"({confirmed['pure']} of {confirmed['orbits']} of those of 3+ tracks); "
          f"{s['objects']} objects on 2+ nights with a held-back night: {s['predicted']} "
          f"predicted within 1 deg")
    print(f"  {'object':>7} {'tracks':>6} {'linked':>6} {'nights':>6} {'purity':>6} "
          f"{'held-back night (deg)':>22}")
    for obj in np.unique(truth[used]):
        mine = used[truth[used] == obj]
        best, share = None, 0
        for link in links:
            count = int(np.sum(truth[used[link.rows]] == obj))
            if count > share:
                best, share = link, count
        if best is None:
            continue
        purity = np.mean(truth[used[best.rows]] == obj)
        error = s["errors_deg"].get(obj)
        print(f"  {obj:>7} {len(np.unique(track[mine])):>6} {len(best.tracks):>6} "
              f"{best.nights:>6} {purity:>6.2f} "
              f"{'' if error is None else f'{error:22.3f}'}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-satfit", action="store_true")
    parser.add_argument("--skip-simulations", action="store_true")
    args = parser.parse_args(argv)
    if not args.skip_simulations:
        simulations()
    if not args.skip_satfit:
        satfit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
