"""The hand-written part of docs/benchmarks.md: what limits the figures and what was tried.

Kept beside the renderer, so a rerun of ``make bench`` rewrites the figures and keeps the
analysis; edit it when the analysis changes (``python -m bench.report`` re-renders).
"""

TEXT = """## Reading these figures

This machine was shared while the runs took place: other engineers' test suites were running
on the same 2 cores (load average 6–14; see the figure at the top), so every latency here is
inflated by the load: the same v1 participants page measured 1,041 ms in a run at load 12 and
415 ms in this one, delivery partners 25 ms and 5 ms. The runs also share PostgreSQL's
default configuration (`shared_buffers` 128 MB, `work_mem` 4 MB) with those suites; it was not
tuned, because changing it means restarting a server others were using. The ratios (API /
floors) move much less with the load than the absolute figures.

## Where the time goes

- **The framework is not the limit.** The bare endpoint (same middlewares, Flask, same bytes)
  answers a page in about 2 ms; every list endpoint that misses its target spends almost all
  of its time in PostgreSQL: API / database floor is between 0.6 and 1.1 for the six lists
  that have a floor (the floor, one `json_agg` statement, is sometimes slower than the API's
  statements, since it also builds the JSON in SQL).
- **What the database redoes on every request.** Which training records a provider sees, and
  with which induction record, is derived: for each training record, its latest induction
  record under the provider's unchallenged partnerships (internals §4.2). For the largest
  provider that is about 40,000 induction records joined through programmes and partnerships,
  sorted and reduced to one per record, before the page of 100 can be cut. Participants (v1,
  v2, v3), unfunded mentors and the "other providers' declarations" half of the declarations
  list all pay it, on every page, and offset paging means a full sync pays it once per page.
- **Serialization** (`json.dumps` of a page) and Connexion's routing, security and parameter
  validation are a few milliseconds: delivery partners (11 records) and statements (63) are
  answered in 5–20 ms, bare endpoint included. orjson would save part of those milliseconds;
  it was not worth a dependency while the database costs hundreds.

## What was changed (this issue)

- Declarations list (`storage/queries/declarations.py`): the visibility condition was one `OR`
  (own declarations, or other providers' live ones on records the provider trains), which made
  PostgreSQL test every live declaration in the country against a correlated `EXISTS` (4.7 s
  for one page of v3). It is now two disjoint parts joined by `UNION ALL`: the provider's own
  declarations read in order from the `(lead_provider_id, created_at)` index and cut at the
  page's end, and other providers' live declarations found from the provider's induction
  records; the page's ids are chosen first and only those rows are joined to what they show
  (statements, reasons). About 8× faster for a page; the own half now takes ~2 ms, the other
  half is the same per-provider derivation as above.
- Latest induction records (`storage/queries/participants.py`, `latest_records`): on
  PostgreSQL, `DISTINCT ON` instead of `row_number() … = 1`. Same rows; PostgreSQL now
  expects one row per training record instead of a handful in total, and plans hash joins
  instead of nested loops over tens of thousands of rows: about 2× faster for participants
  (v1, v2, v3) and unfunded mentors. SQLite keeps the window function.
- Production set-up: gunicorn with uvicorn workers (`cpd serve --production`), connection
  pooling settings, a read replica for API GETs, Redis counters, `/healthcheck`, JSON logs
  (README, "Running in production").

## What limits each missed target, and the next step

- **Page of 100, `updated_since` poll, full sync (participants, declarations, unfunded
  mentors)**: the per-request derivation above. Indexes cannot remove it, because the rule
  ("latest record per training record under this provider's unchallenged partnerships") is
  not a property of any one row. The fix is a read model maintained on write: a table of each
  provider's visible training records (`lead_provider_id, teacher_id, profile_id,
  induction_record_id`, the sort keys and the filter columns), written in the same transaction
  as the induction record, partnership or profile change that moves it (`domain/sync.py` already
  sees every such change to move the change stamps), indexed by
  `(lead_provider_id, teacher created_at, teacher id)` and `(lead_provider_id, api_updated_at)`.
  A page then becomes an index range scan of 100 rows plus the joins for those rows: a few
  milliseconds, whatever the national size, and a full sync becomes linear. The same table
  answers "records the provider trains" for the declarations list. Keyset pagination
  (`page[after]`) would keep deep pages as cheap as the first; offset paging is the
  original's contract, so it would be an addition.
- **CSV exports**: streamed (memory stays flat), but slow. Participants: each chunk of 2,000
  rows costs three statements and repeats the derivation for its people; with the read model
  the export is one streamed statement, as `COPY` is. Declarations: the database side streams
  at about 20,000 rows/s (one pass, the single-`OR` query kept for exports, which reads twice
  as fast as the split one when nothing is cut), so the rest is Python per row: a view object,
  the serializer's dict, text conversion and CSV quoting. Writing rows straight from the
  result tuples (no view, no dict) is the next step; the header and quoting rules are in
  `handlers/csv_export.py`.
- **POST declarations**: about 70 ms each from one client, and throughput flattens at about
  35/s from 10 clients on. Not profiled in this issue. Each POST runs the validation chain's
  lookups through the ORM (about a dozen statements, several of them the same per-provider
  record derivation on one training record) and takes the one `api_sync_clock` row lock at
  commit (that lock is what makes incremental sync exact, docs/sync.md), so commits are
  serialized, and the two workers and PostgreSQL share the same 2 busy cores. Profiling this
  path (py-spy on a worker) is the next step.
- **Mixed reads**: a random mix of the twelve list endpoints averages the slow ones: 7 of the 12
  cost PostgreSQL 100–500 ms a page, so 2 workers answer a few requests a second. It follows
  the page figures; the read model is what moves it.
- **PostgreSQL configuration**: production should give PostgreSQL memory (README, "Running in
  production"); with 128 MB of shared buffers a 2.5 GB database is read through the OS cache.
"""
