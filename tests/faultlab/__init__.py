"""Fault scenarios (issue 14), one module each: run small by tests/faults/, full size by
bench/faults.py. See bench/faults.py for the contract a scenario keeps."""
