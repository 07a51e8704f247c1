//! What the harness tests share to plan and run the suite in process: the options of a run
//! over the published vectors, and the corpus they load.

use e2ee_harness::corpus::{Corpus, Source};
use e2ee_harness::suite::{Options, RunMode};
use e2ee_spec::AnyProfile;

/// A run of `modes` over `profiles` with the published vectors, seed 7 and `cases` property
/// cases per test.
pub fn options<P: Into<AnyProfile>>(modes: Vec<RunMode>, profiles: Vec<P>, cases: u32) -> Options {
    Options {
        modes,
        profiles: profiles.into_iter().map(Into::into).collect(),
        vectors: Source::Published,
        cases,
        seed: 7,
        filter: None,
        shard: None,
        failures_dir: std::env::temp_dir().join("e2ee-conform-test-failures"),
    }
}

/// The published vectors of the run's profiles.
#[allow(dead_code)] // not every test file loads a corpus itself
pub fn corpus(opts: &Options) -> Corpus {
    e2ee_harness::corpus::load(&opts.vectors, &opts.profiles).expect("published vectors")
}
