"""The pure core of reading uploads: CSV/TSV/XLSX files to rows, columns to fields, cells to values.

Imports only the standard library, `config`, `jobs.tracking` (is this cell a tracking number?)
and file-format libraries; no Flask, RQ, Redis or peewee."""
