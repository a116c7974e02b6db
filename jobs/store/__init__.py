"""The database: peewee models, connections, numbered migrations and the queries the grid,
the reports and the jobs share. The web and the jobs both build on it; it imports neither."""
