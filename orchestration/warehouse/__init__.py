"""The build database: its tables, the dump loader and the publisher (no Dagster here)."""
