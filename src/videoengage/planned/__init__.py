"""The fast path: generated completion code for documents the server has seen (see executor)."""
