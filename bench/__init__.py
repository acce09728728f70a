"""The load benchmark: builds a data set, drives the served API with wrk and the SQL floor with pgbench."""
