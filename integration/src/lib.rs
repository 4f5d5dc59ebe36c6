//! Test harness for Weft's end-to-end tests.
