"""Storing observations and keeping the rollups right, in the caller's transaction.

Values are cumulative snapshots. For each series, a new observation's *gain* is its value
minus the previous observation's (the first observation of a post gains its whole value;
the first of an account gains nothing, as the baseline is unknown). Gains are summed into
the hourly and daily rollups of the series and into the channel's daily rollup, and each
bucket keeps the last value seen in it.

Observations newer than everything stored (the usual case) are appended from the series'
latest value alone. A late or corrected observation makes the series be rebuilt from the
raw points of its day onwards (rare, and bounded by one series).

- `gains`: the algorithm, on values in memory (what changes, not how it is written);
- `store`: which observations are new, late or corrections, and what is read for them;
- `writers`: what is written the same way everywhere, and the writer each database gets:
  `sqlite` (SQLAlchemy upserts) and `postgres` (one statement over arrays per rollup, raw
  points by COPY). Both write the same rows (tests/metrics_svc/ingestion/test_rollups.py).
"""
