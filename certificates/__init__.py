"""Verifiable attendance certificates: the pure core (keys, proofs, VC-JWT, status lists)."""
