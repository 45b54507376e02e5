"""The hand-written part of docs/benchmarks.md: what limits the figures and what was tried.

Kept beside the renderer, so a rerun of ``make bench`` rewrites the figures and keeps the
analysis; edit it when the analysis changes (``python -m bench.report`` re-renders).
"""

TEXT = """## Reading these figures

The machine is two shared cores: the load generator, two server workers and PostgreSQL all
run on them, so every latency includes the others' CPU, and figures move by 20–30% between
runs (the same v3 participants page measured 32, 40 and 51 ms in three runs of the same code
this session). PostgreSQL runs its default configuration (`shared_buffers` 128 MB for a 2.5 GB
database); it was not tuned, because other work shares the server. Each list endpoint is
warmed with 12 requests first: psycopg prepares a statement on its fifth run on a connection
and PostgreSQL settles on a generic plan after five more, which is the state a running server
is in.

## What changed in this issue, and what it did

- **Who sees what is stored, not recomputed** (`visible_training_records`, migration 0010,
  `storage/visible_records.py`, docs/sync.md "Who sees what, kept ready"). Every participants
  page (v1, v2, v3), unfunded mentors page and declarations page used to find, for each of
  the provider's ~40,000 training records, its latest induction record under the provider's
  unchallenged partnerships, before cutting the page: 300–470 ms a page, and the database
  floor itself took 600 ms. The answer now lives in a table with the lists' filter and sort
  columns, rewritten for a person whenever their participant change stamp moves (same
  transaction, same clock lock, so it is never staler than `updated_at`), and a page is an
  index range scan: participants went from 415–470 ms to 26–32 ms, unfunded mentors from
  386 ms to the figure above, and the participants floor from 617 ms to 10–16 ms.
- **Other providers' declarations**: the "declarations of other providers on records we train"
  half of the declarations list scanned every live declaration in the country to find,
  usually, none. The same table carries a flag "another provider has a live declaration on this
  record" (kept when declarations are stamped), and a partial index on it gives the few records
  that changed provider: declarations pages went from ~300 ms to 14–27 ms, and API / floor is
  now 4–6 instead of 1 (the floor fell from 300 to 3–7 ms).
- v1 and v2 declarations skip the statement and ineligibility lookups they never show.
- The participants page's fourteen-way join is planned with the join search off (7 ms of
  planning down to 2 ms; the same plan), and its statement is built once.
- orjson for response bodies; a LIFO connection pool so a few connections stay warm with their
  prepared statements.

## Where the time goes now

- **Participants pages (26–32 ms)**: about 10 ms of SQL (the page from the table, then one
  statement joining the page's 100 records to the thirteen tables they show, then the
  provider's action log and id changes), 8–12 ms of Python building views and serializing,
  the rest request handling (token, rate-limit counter in Redis, Connexion's validation)
  on cores shared with the load generator. The database floor, which builds the same JSON in
  one statement, takes 10–16 ms: the API is about 2.5× it.
- **Unfunded mentors** is an anti-join over the provider's rows of the table (20k mentor
  references against 35k records, ~20 ms). Keeping "unfunded" as a column would make it a
  lookup; not done.
- **Transfers (~100 ms) and schools (~80 ms)** were not reworked. Transfers read every induction
  record of the provider's partnerships, challenged ones included (a challenge does not hide a
  move), which the visible-records table does not hold; schools evaluate the eligibility rule
  and two partnership subqueries over all 10,000 schools before sorting (an index on
  `(created_at, id)` halved it in a trial, not kept).
- **Full sync and CSV (3.5–7k records/s)** are now limited by Python: each record becomes a
  view object, a dict and then JSON or a CSV line, at 150–250 µs a record. The database side
  of a 3,000-record page is under a quarter of its time. Reaching 20,000/s needs the page built
  without per-record objects (rows straight to JSON or CSV, or the JSON built in SQL as the
  floor does); that is the next step.
- **POST declarations** is about 25 statements: the validation chain's lookups, the declaration,
  its state history and statement line, the audit trail, the change stamps (the one
  `api_sync_clock` row lock that makes incremental sync exact) and the visible-records flag.
  One client sees ~40 ms; with 10 or 50 clients throughput stays at 30–45/s because the two
  cores are saturated by two workers, PostgreSQL and the load generator, and commits queue on
  the clock row. Fewer statements per POST (the validation chain reads the same records
  several times) is the next step.
- **Seeding (743 s)**: the template database was rebuilt this session while the full test
  suite ran on the same two cores; built on a quieter machine the day before it took 384 s,
  and filling `visible_training_records` at the end adds about 40 s. `make bench
  BENCH_ARGS=--reseed` measures it again.
- **Mixed reads** average the endpoints above under full load, with the load generator
  competing for the same two cores.

## Scaling out

Reads scale with app servers and read replicas (README, "Running in production"): every list
is now an index range scan plus primary-key lookups for the page's rows, so replicas serve them
without per-request work that grows with the provider's size. Writes funnel through the sync
clock row by design (it orders change stamps by commit); at one row lock per commit of a few
milliseconds that allows a few hundred writes a second on a primary with free cores, well
above the national rate of declarations.
"""
