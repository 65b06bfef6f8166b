"""A small column table: the result type of passes, screening and schedules.

Columns are numpy arrays of equal length, kept in insertion order; time columns are
:class:`~debris.timescale.Times` (two-float UTC Julian dates, NaN where a time is missing),
so a table holds numbers, never text made from them. Writers (:mod:`debris.io`) turn a
table into CSV, JSON or an aligned text table, times into ISO-8601; :meth:`Table.to_pandas`
gives a DataFrame with ``datetime64`` times. Missing values are NaN for floats and empty
strings for text, and become ``null`` in JSON and empty cells in CSV.

A table can also carry *extra* row-aligned arrays that later stages need but that are not
output (e.g. the exact states at each conjunction's TCA and the catalogue rows of both
objects); they follow the rows through :meth:`take`, :meth:`sort` and :meth:`concat`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .timescale import Times

__all__ = ["Table"]


def _column(values):
    return values if isinstance(values, Times) else np.asarray(values)


def _join(parts):
    if isinstance(parts[0], Times):
        return Times.concatenate(parts)
    return np.concatenate(parts)


class Table:
    """Named columns of equal length.

    Parameters
    ----------
    columns : dict of str -> array_like or Times
        All of the same length.
    meta : dict, optional
        Facts about how the table was made (e.g. objects SGP4 failed on).
    extra : dict of str -> array_like or Times, optional
        Row-aligned arrays (any trailing shape) that travel with the rows but are not
        output columns.
    """

    def __init__(self, columns: dict, meta: dict | None = None, extra: dict | None = None):
        self.columns = {name: _column(values) for name, values in columns.items()}
        self.meta = dict(meta or {})
        self.extra = {name: _column(values) for name, values in (extra or {}).items()}
        lengths = {len(v) for v in (*self.columns.values(), *self.extra.values())}
        if len(lengths) > 1:
            sizes = {k: len(v) for k, v in (*self.columns.items(), *self.extra.items())}
            raise ValueError(f"columns have different lengths: {sizes}")

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __getitem__(self, name: str):
        return self.columns[name]

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def __repr__(self) -> str:
        return f"<Table {len(self)} rows: {', '.join(self.columns)}>"

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def take(self, index) -> "Table":
        """Return the rows selected by a mask or index array."""
        return Table({name: values[index] for name, values in self.columns.items()},
                     self.meta, {name: values[index] for name, values in self.extra.items()})

    @staticmethod
    def gather(tables: list["Table"], rows: list) -> "Table":
        """Stack tables whose rows go to the given positions: row ``j`` of ``tables[k]`` is
        row ``rows[k][j]`` of the result (the positions of all tables together are 0..N-1).
        Built one column at a time, each part's column released once placed, so the peak
        is about one copy of the data, not three (concatenated, reordered, the parts)."""
        order = np.concatenate(rows) if rows else np.empty(0, np.int64)
        inverse = np.empty(order.size, np.int64)
        inverse[order] = np.arange(order.size)
        columns = {}
        for name in tables[0].names:
            columns[name] = _join([t.columns.pop(name) for t in tables])[inverse]
        return Table(columns, tables[0].meta)

    def sort(self, *names: str) -> "Table":
        """Return the table sorted by the given columns (first name is the primary key)."""
        keys = []
        for name in reversed(names):
            values = self.columns[name]
            keys += [values.fr, values.jd] if isinstance(values, Times) else [values]
        return self.take(np.lexsort(keys)) if len(self) else self

    def records(self) -> list[dict]:
        """Return the rows as dicts of plain Python values (NaN, missing times and empty
        text -> None; times as timezone-aware UTC datetimes)."""
        names = list(self.columns)
        cols = []
        for values in self.columns.values():
            if isinstance(values, Times):
                stamps = values.to_datetime64().astype("datetime64[us]").tolist()
                items = [None if v is None else v.replace(tzinfo=dt.timezone.utc)
                         for v in stamps]
            else:
                items = values.tolist()
                if values.dtype.kind == "f":
                    items = [None if v != v else v for v in items]
                elif values.dtype.kind in "US":
                    items = [v if v != "" else None for v in items]
            cols.append(items)
        return [dict(zip(names, row)) for row in zip(*cols)]

    def to_pandas(self):
        """Return a pandas DataFrame (pandas must be installed); times as ``datetime64``."""
        import pandas as pd  # optional: only this method needs pandas

        return pd.DataFrame({name: values.to_datetime64() if isinstance(values, Times)
                             else values for name, values in self.columns.items()})

    @staticmethod
    def concat(tables: list["Table"]) -> "Table":
        """Stack tables with the same columns (and extras); the first one's meta is kept."""
        tables = [t for t in tables if t is not None]
        if not tables:
            raise ValueError("nothing to concatenate")
        first = tables[0]
        return Table({name: _join([t[name] for t in tables]) for name in first.names},
                     first.meta,
                     {name: _join([t.extra[name] for t in tables]) for name in first.extra})
