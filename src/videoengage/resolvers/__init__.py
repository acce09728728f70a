"""Operation logic, one module per domain. Root types in ``schema/`` bind these to fields."""
