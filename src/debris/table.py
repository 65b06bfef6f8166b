"""A small column table: the result type of passes, screening and schedules.

Columns are numpy arrays of equal length, kept in insertion order. A
table converts to records (dicts), pandas, CSV and JSON; missing values
are NaN for floats and ``None``/empty strings for text and become
``null`` in JSON and empty cells in CSV.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Table"]


class Table:
    """Named columns of equal length.

    Parameters
    ----------
    columns : dict of str -> array_like
        All of the same length.
    """

    def __init__(self, columns: dict, meta: dict | None = None):
        self.columns = {name: np.asarray(values) for name, values in columns.items()}
        #: Facts about how the table was made (e.g. objects SGP4 failed on).
        self.meta = dict(meta or {})
        lengths = {len(v) for v in self.columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns have different lengths: "
                             f"{ {k: len(v) for k, v in self.columns.items()} }")

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __getitem__(self, name: str) -> np.ndarray:
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
        return Table({name: values[index] for name, values in self.columns.items()}, self.meta)

    def sort(self, *names: str) -> "Table":
        """Return the table sorted by the given columns (first name is the primary key)."""
        keys = [self.columns[name] for name in reversed(names)]
        return self.take(np.lexsort(keys)) if len(self) else self

    def records(self) -> list[dict]:
        """Return the rows as dicts of plain Python values (NaN and empty text -> None)."""
        names = list(self.columns)
        cols = []
        for values in self.columns.values():
            items = values.tolist()
            if values.dtype.kind == "f":
                items = [None if v != v else v for v in items]
            elif values.dtype.kind in "US":
                items = [v if v != "" else None for v in items]
            cols.append(items)
        return [dict(zip(names, row)) for row in zip(*cols)]

    def to_pandas(self):
        """Return a pandas DataFrame (pandas must be installed)."""
        import pandas as pd

        return pd.DataFrame({name: values for name, values in self.columns.items()})

    @staticmethod
    def concat(tables: list["Table"]) -> "Table":
        """Stack tables with the same columns."""
        tables = [t for t in tables if t is not None]
        if not tables:
            raise ValueError("nothing to concatenate")
        names = tables[0].names
        return Table({name: np.concatenate([t[name] for t in tables]) for name in names})
