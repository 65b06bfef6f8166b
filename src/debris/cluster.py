"""Running screening, passes and crossings on a Dask cluster (the ``dask`` extra).

``--dask local[:N]`` starts a ``LocalCluster`` of N worker processes (default: one per core;
python-sgp4 holds the GIL, so processes, one thread each) and prints its dashboard address;
``--dask tcp://HOST:PORT`` uses a running scheduler (``dask scheduler`` / ``dask worker``,
dask-jobqueue on a batch system, dask-kubernetes). Without the option nothing changes and
dask is not imported.

What runs where:

- **Screening**: one task per time window, the same windows a single process walks
  (:func:`debris.conjunctions.screening.window_bounds`: each window is independent given the
  elements, and its grid shares its end sample with the next one's start, as in one
  process); the client puts the candidates together in window order, merges each pair's
  duplicates and sends them back in blocks of whole pairs (two per worker) for the exact
  refinement and assessment (TCA, RIC, Pc: row-wise), so the result is the single-process
  one. Under :data:`debris.conjunctions.screening.BLOCK_CANDIDATES` candidates the client
  assesses them itself. A checkpoint
  folder records windows as they finish, on the client.
- **Passes and crossings**: one task per block of objects (and group of sites, for passes):
  :func:`debris.find_passes` and :func:`debris.find_crossings` take the executor
  (``executor=``) as :func:`debris.screen` does, and put the blocks' tables together and
  sort them as one process sorts them.
- The catalogue reaches each worker once (scattered, then referenced by every task); a
  worker that dies has its tasks run again elsewhere (they are pure), with the same result.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from .errors import DaskError, InputError

__all__ = ["DaskExecutor", "connect", "BLOCK_OBJECTS", "BLOCK_SITES"]


def _distributed():
    try:
        import distributed  # the dask extra: only when --dask is given
    except ImportError:
        raise InputError("--dask needs Dask: pip install 'debris[dask]'") from None
    return distributed


class DaskExecutor:
    """A connection to a Dask cluster that runs debris' windows and blocks.

    Parameters
    ----------
    client : distributed.Client
    cluster : LocalCluster, optional
        Closed with the executor when debris started it.
    """

    def __init__(self, client, cluster=None, address: str = ""):
        self.client = client
        self.cluster = cluster
        self.address = address
        self._scattered = {}

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def scatter(self, catalog):
        """The catalogue on every worker, once per catalogue object."""
        key = id(catalog)
        if key not in self._scattered:
            self._scattered[key] = (catalog, self.client.scatter(catalog, broadcast=True,
                                                                 hash=False))
        return self._scattered[key][1]

    def _run(self, futures, on_result) -> None:
        """Wait for `futures` (dict future -> label) and hand each result over as it comes;
        a lost scheduler becomes a :class:`DaskError`."""
        distributed = _distributed()
        try:
            for future in distributed.as_completed(list(futures)):
                on_result(futures[future], future.result())
        except (OSError, TimeoutError, distributed.comm.core.CommClosedError,
                distributed.client.FutureCancelledError) as exc:
            why = " ".join(str(exc).split())
            raise DaskError(f"lost the Dask scheduler at {self.address or 'the cluster'} "
                            f"({type(exc).__name__}: {why}); nothing was written. Run again "
                            "with --checkpoint DIR to keep finished windows across runs") \
                from None

    def screen_windows(self, catalog, t_start, windows, step, threshold_km, primary_mask,
                       backend, record) -> None:
        """Compute screening windows [(a, b), ...] on the cluster; `record(a, b, result)` is
        called on the client as each finishes (in any order)."""
        from .conjunctions.screening import window_candidates  # screening loads scipy

        remote = self.scatter(catalog)
        futures = {self.client.submit(window_candidates, remote, t_start, a, b, step,
                                      threshold_km, primary_mask, backend,
                                      key=f"debris-window-{a}-{b}-{os.getpid()}-{id(catalog)}"):
                   (a, b) for a, b in windows}
        self._run(futures, lambda ab, result: record(ab[0], ab[1], result))

    def blocks(self, function, catalog, blocks, *args, progress=None, **kwargs) -> list:
        """``function(catalog.subset(rows), *args, **kwargs)`` for every block of rows, on the
        cluster; the results in block order."""
        remote = self.scatter(catalog)
        futures = {self.client.submit(_on_block, function, remote, rows, *args,
                                      key=f"debris-block-{k}-{os.getpid()}-{id(catalog)}",
                                      **kwargs): k
                   for k, rows in enumerate(blocks)}
        results = [None] * len(blocks)
        done = [0]

        def keep(k, value):
            results[k] = value
            done[0] += 1
            if progress is not None:
                progress(done[0], len(blocks))

        self._run(futures, keep)
        return results

    def candidate_blocks(self, function, catalog, i, j, t, blocks, **kwargs) -> list:
        """``function(catalog, i[a:b], j[a:b], t[a:b], **kwargs)`` for every slice (a, b) of
        the candidates, on the cluster (the catalogue scattered once); results in order."""
        remote = self.scatter(catalog)
        futures = {self.client.submit(function, remote, i[a:b], j[a:b], t[a:b],
                                      key=f"debris-candidates-{a}-{b}-{os.getpid()}-"
                                          f"{id(catalog)}", **kwargs): k
                   for k, (a, b) in enumerate(blocks)}
        results = [None] * len(blocks)
        self._run(futures, results.__setitem__)
        return results

    def workers(self) -> int:
        """The cluster's worker count now (at least 1)."""
        return max(len(self.client.scheduler_info().get("workers", {})), 1)

    def object_blocks(self, n: int) -> list:
        """Rows 0..n-1 in blocks: two per worker, none under :data:`BLOCK_OBJECTS`."""
        workers = self.workers()
        size = max(BLOCK_OBJECTS, -(-n // (2 * workers)))
        return [np.arange(a, min(a + size, n)) for a in range(0, n, size)]

    @staticmethod
    def site_groups(sites) -> list:
        """Sites in groups of :data:`BLOCK_SITES` (one pass search per group and block)."""
        return [sites[k:k + BLOCK_SITES] for k in range(0, len(sites), BLOCK_SITES)]


def _on_block(function, catalog, rows, *args, **kwargs):
    table = function(catalog.subset(rows), *args, **kwargs)
    if "row" in table.extra:
        table.extra["row"] = np.asarray(rows)[table.extra["row"]]
    return table


#: Address schemes of Dask schedulers (distributed's communication backends).
_SCHEMES = ("tcp", "tls", "inproc", "ucx", "ws", "wss")


def connect(spec: str) -> DaskExecutor:
    """A :class:`DaskExecutor` for ``local``, ``local:N`` or a scheduler address."""
    distributed = _distributed()
    spec = spec.strip()
    if spec == "local" or spec.startswith("local:"):
        count = spec.partition(":")[2]
        if count and not (count.isdigit() and int(count) >= 1):
            raise InputError(f"--dask {spec!r}: expected local or local:N with N >= 1 workers")
        workers = int(count) if count else (os.cpu_count() or 1)
        # One compiled-kernel thread per worker process: the workers share the cores.
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                           processes=True, dashboard_address=":0",
                                           env={"NUMBA_NUM_THREADS": "1"})
        client = distributed.Client(cluster)
        print(f"debris: Dask LocalCluster of {workers} worker processes; dashboard "
              f"{client.dashboard_link}", file=sys.stderr)
        return DaskExecutor(client, cluster, cluster.scheduler_address)
    scheme = spec.partition("://")[0].lower()
    if "://" not in spec or scheme not in _SCHEMES or not spec.partition("://")[2]:
        raise InputError(f"--dask {spec!r}: expected local, local:N or a scheduler address "
                         f"such as tcp://HOST:8786 (schemes: {', '.join(_SCHEMES)})")
    try:
        client = distributed.Client(spec, timeout=30)
    except ValueError as exc:  # an address distributed cannot parse
        raise InputError(f"--dask {spec!r}: not a scheduler address ({exc})") from None
    except (OSError, TimeoutError) as exc:
        raise DaskError(f"--dask {spec}: no Dask scheduler answered ({exc}); start one with "
                        "'dask scheduler' and workers with 'dask worker ADDRESS'") from None
    return DaskExecutor(client, None, spec)


#: Objects per task of the pass search and crossings (seconds of work each on one core).
BLOCK_OBJECTS = 5000
#: Sites per task of the pass search (they share one propagation inside a task).
BLOCK_SITES = 8
