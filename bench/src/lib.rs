//! What the benchmark and fault binaries share: the shape of a realistic anonymous submission.
//! The binaries themselves are in `src/bin`; figures go to docs/PERFORMANCE.md and docs/FAULTS.md.

#![forbid(unsafe_code)]

pub mod submission;
