"""The pure core of tracking: which carrier a number belongs to, and what its events mean.

Imports only the standard library, `config` and small pure libraries (no Flask, RQ, Redis or
peewee), so it runs the same in the web process, a worker, the CLI and the benchmarks."""
