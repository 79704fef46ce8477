"""Load benchmark for the SCIM API (`make bench`); not part of the test suite."""
