//! The remote shuffle service (issue 5) — not implemented yet; see README.md.
