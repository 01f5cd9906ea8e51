"""Benchmarks, run by `make bench` (SQLite) or with DATABASE_URL set (PostgreSQL). Figures go to docs/benchmarks.md."""
