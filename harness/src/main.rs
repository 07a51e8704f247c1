//! `e2ee-conform`: run the conformance suite against implementations, serve the spec as a
//! shim, generate and check vectors, export proof obligations.

use clap::{Parser, Subcommand};
use e2ee_harness::corpus;
use e2ee_harness::expectations::{self, Expectations};
use e2ee_harness::impls;
use e2ee_harness::report::{self, Counts, Status};
use e2ee_harness::spec_iut::SpecIut;
use e2ee_harness::suite::{self, Options, RunMode};
use e2ee_spec::AnyProfile;
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "e2ee-conform",
    version,
    about = "Conformance suite for end-to-end encrypted messaging protocols"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Exit statuses of `run` and `list`, shown in their `--help`.
const RUN_EXIT_CODES: &str = "Exit status:
  0  every test that ran passed or is a known failure of the expectations file
  1  a test failed (with --strict also: an unexpected pass, an unused error map, a weaker check)
  2  nothing trustworthy was checked: bad arguments, an implementation that cannot start, a vector
     file that is missing, unreadable or off its schema, an output path that cannot be written,
     or no test ran at all";

#[derive(Subcommand)]
enum Command {
    /// Run the suite. Without --impl: every bundled implementation in every mode it supports.
    #[command(after_help = RUN_EXIT_CODES)]
    Run(RunArgs),
    /// List the implementations of a run and the tests it would include (ids, one per line).
    #[command(after_help = RUN_EXIT_CODES)]
    List(Selection),
    /// Serve the spec over shim protocol 1.2 on stdin/stdout (the reference shim).
    Shim {
        /// Seed for the randomness the runner does not inject.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Keep and declare stricter limits than the profiles' (SHIM.md §Limits), as JSON:
        /// `{"signal-v3": {"max_skip": 2000}}`. What a stricter implementation looks like
        /// to the runner.
        #[arg(long, value_name = "JSON")]
        limits: Option<String>,
    },
    /// Published test vectors.
    Vectors {
        #[command(subcommand)]
        command: VectorsCommand,
    },
    /// Proof obligations: ProVerif models generated from the spec, and their check.
    Proofs {
        #[command(subcommand)]
        command: ProofsCommand,
    },
}

#[derive(Subcommand)]
enum ProofsCommand {
    /// Write the ProVerif models and their expected results, generated from the spec, into a
    /// proofs folder: DIR/proverif/*.pv, DIR/expected.json, DIR/obligations.json, nothing else.
    /// (The repository's folder is `proofs/`.)
    Export {
        /// The proofs folder to write.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Run `proverif` on every model of a proofs folder (DIR/proverif) and compare each result
    /// with the expected one (DIR/expected.json). Without --dir: the models this binary's spec
    /// generates, exported into a temporary folder.
    #[command(
        after_help = "Exit status:\n  0  every model gave every expected result\n  1  a result differs or a model failed\n  2  bad arguments, or no model matches --only\n  3  proverif is not on PATH"
    )]
    Check {
        /// The proofs folder to check (the repository's is `proofs/`).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Only the models whose file name contains this.
        #[arg(long, value_name = "TEXT")]
        only: Option<String>,
        /// Write what ProVerif answered into the folder's run record (DIR/results.json).
        #[arg(long, requires = "dir")]
        record: bool,
        /// ProVerif processes at a time (default: one per hardware thread).
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
    },
}

/// A shim that answers nothing for this long is stuck.
const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// The slowest bundled test (libsignal skipping 2,000 message keys) takes seconds; a test
/// that takes minutes is stuck.
const DEFAULT_TEST_BUDGET_S: u64 = 300;

/// `proofs check` when there is no ProVerif to run: not a success, and not a failed proof.
const EXIT_PROVERIF_MISSING: u8 = 3;

#[derive(Subcommand)]
enum VectorsCommand {
    /// Write the vector files, generated from the spec byte for byte reproducibly, into
    /// DIR/PROFILE/*.json (the repository's are in `vectors/data`).
    Generate {
        /// Where the vector files go.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Also write the JSON Schemas the files pin into this folder (the repository's are
        /// in `vectors/schema`).
        #[arg(long, value_name = "DIR")]
        schemas: Option<PathBuf>,
    },
    /// Replay every vector file against the spec: the built-in corpus, or --dir's.
    #[command(
        after_help = "Exit status:\n  0  every vector agrees with the spec\n  1  a vector disagrees\n  2  a file is missing or unreadable"
    )]
    Check {
        /// A folder laid out as `vectors/data` (PROFILE/NAME.json) instead of the built-in corpus.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// What a run includes: implementations, modes, profiles, tests, and the corpus. `list` takes
/// only these; `run` takes these and how to run and report.
#[derive(clap::Args, Clone)]
struct Selection {
    /// Implementations: spec, spec-shim, libsignal, vodozemac (comma-separated or repeated),
    /// or shim:COMMAND for your own shim (repeated; the command is taken whole, commas and all).
    /// Default: every bundled one.
    #[arg(long = "impl", value_name = "IMPL")]
    impls: Vec<String>,
    /// Modes (comma-separated or repeated).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "kat,interop,props"
    )]
    mode: Vec<RunMode>,
    /// Profiles (comma-separated or repeated). Default: all.
    #[arg(long, value_name = "PROFILE", value_delimiter = ',', value_parser = profile_parser())]
    profile: Vec<AnyProfile>,
    /// Property-mode cases per profile and role.
    #[arg(long, value_name = "N", default_value_t = 64)]
    cases: u32,
    /// Seed of the property-mode conversations and of randomness the runner does not inject;
    /// the report prints it, and the same seed replays the same run.
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed: u64,
    /// Only tests whose id matches this glob (e.g. 'kat/signal-v3/*').
    #[arg(long, value_name = "GLOB")]
    filter: Option<String>,
    /// Run shard K of N (1-based), e.g. 2/4: every N-th test, so N machines share a run.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// A folder laid out as `vectors/data` (PROFILE/NAME.json) to replay instead of the
    /// corpus built into this binary.
    #[arg(long, value_name = "DIR")]
    vectors: Option<PathBuf>,
}

#[derive(clap::Args, Clone)]
struct RunArgs {
    #[command(flatten)]
    selection: Selection,
    /// Expectations file: JSON object of test-id glob -> reason it is known to fail, or
    /// {reason, errorMap} (README "Gate CI"). Default: a bundled implementation's own file.
    #[arg(long, value_name = "FILE")]
    expect: Option<PathBuf>,
    /// Write the report as JSON (format 2: run metadata, every result) to FILE.
    #[arg(long, value_name = "FILE")]
    report_json: Option<PathBuf>,
    /// Write the results as JUnit XML to FILE (for CI test-report viewers).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Run the trace tests of this file (e.g. a shrunk property failure) instead of the suite.
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
    /// Per-request timeout for subprocess shims, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = DEFAULT_TIMEOUT_MS)]
    timeout_ms: u64,
    /// Time budget of one whole test against a subprocess shim, in seconds: a test that takes
    /// longer fails (the shim is restarted), even if each request was answered in time.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_TEST_BUDGET_S)]
    test_budget_s: u64,
    /// Where property-mode failures (shrunk, as trace files for --replay) are written.
    #[arg(long, value_name = "DIR", default_value = "e2ee-conform-failures")]
    failures_dir: PathBuf,
    /// Also fail (exit 1) on unexpected passes, unused error maps and passes with notes
    /// (weaker checks, e.g. an error class the implementation cannot report).
    #[arg(long)]
    strict: bool,
}

/// `--profile` values: the spec's profile names (1:1 and group), listed in `--help`.
fn profile_parser() -> impl clap::builder::TypedValueParser<Value = AnyProfile> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(AnyProfile::ALL.map(AnyProfile::name))
        .try_map(|name| AnyProfile::from_name(&name).ok_or(format!("unknown profile {name:?}")))
}

/// `--impl` values: a `shim:` value whole, any other split at commas, each one checked.
fn implementations(values: &[String]) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for value in values {
        if value.starts_with("shim:") {
            names.push(value.clone());
            continue;
        }
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if !impls::BUNDLED.contains(&name) {
                return Err(format!(
                    "unknown implementation {name:?} (bundled: {}; or shim:COMMAND)",
                    impls::BUNDLED.join(", ")
                ));
            }
            names.push(name.to_string());
        }
    }
    if names.is_empty() {
        names = impls::BUNDLED.iter().map(|s| s.to_string()).collect();
    }
    Ok(unique(names))
}

/// A list option's values once each, in the order first given (`--profile olm-v1,olm-v1`).
fn unique<T: PartialEq>(values: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("e2ee-conform: {msg}");
    ExitCode::from(2)
}

fn options(args: &Selection, failures_dir: PathBuf) -> Result<Options, String> {
    let profiles = if args.profile.is_empty() {
        AnyProfile::ALL.to_vec()
    } else {
        unique(args.profile.clone())
    };
    let filter = args
        .filter
        .as_deref()
        .map(glob::Pattern::new)
        .transpose()
        .map_err(|e| format!("bad --filter: {e}"))?;
    let shard = match &args.shard {
        None => None,
        Some(s) => {
            let (k, n) = s.split_once('/').ok_or("--shard is K/N")?;
            let (k, n): (usize, usize) = (
                k.parse().map_err(|_| "--shard K")?,
                n.parse().map_err(|_| "--shard N")?,
            );
            if n == 0 || k == 0 || k > n {
                return Err("--shard K/N needs 1 <= K <= N".into());
            }
            Some((k, n))
        }
    };
    Ok(Options {
        modes: unique(args.mode.clone()),
        profiles,
        vectors: corpus::Source::from_arg(args.vectors.clone()),
        cases: args.cases,
        seed: args.seed,
        filter,
        shard,
        failures_dir,
    })
}

fn list(selection: Selection) -> ExitCode {
    run(
        RunArgs {
            selection,
            expect: None,
            report_json: None,
            junit: None,
            replay: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            test_budget_s: DEFAULT_TEST_BUDGET_S,
            failures_dir: PathBuf::new(),
            strict: false,
        },
        true,
    )
}

fn run(args: RunArgs, list_only: bool) -> ExitCode {
    let opts = match options(&args.selection, args.failures_dir.clone()) {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    let names = match implementations(&args.selection.impls) {
        Ok(n) => n,
        Err(e) => return usage(e),
    };
    // Output paths are checked before a run that may take minutes, not after it.
    for path in [&args.report_json, &args.junit].into_iter().flatten() {
        if let Err(e) = std::fs::write(path, "") {
            return usage(format!("{}: {e}", path.display()));
        }
    }
    // Every profile's vectors load, whatever this run selects: the digest then names the
    // same corpus in every shard, and stale expectations are judged against every test.
    let corpus = match corpus::load(&opts.vectors, &AnyProfile::ALL) {
        Ok(c) => c,
        Err(e) => return usage(format!("vectors: {e}")),
    };
    // An explicit --expect file applies to every implementation; without one, a bundled
    // implementation brings its own (BoGo style: the known failures live with the shim).
    let explicit = match &args.expect {
        Some(p) => match Expectations::load(p) {
            Ok(e) => Some(e),
            Err(e) => return usage(e),
        },
        None => None,
    };
    let timeout = Duration::from_millis(args.timeout_ms);
    let mut out = std::io::stdout().lock();
    let mut results = Vec::new();
    let mut hellos = Vec::new();
    let mut stale = Vec::new();
    let mut unused_maps = Vec::new();
    let mut universes = Vec::new();
    for name in &names {
        let budget = Duration::from_secs(args.test_budget_s);
        let mut imp = match impls::open(name, opts.seed, timeout, budget) {
            Ok(i) => i,
            Err(e) => return usage(format!("cannot start implementation: {e}")),
        };
        let known = match (&explicit, impls::bundled_expectations(name)) {
            (Some(e), _) => e.clone(),
            (None, Some((source, text))) => match Expectations::parse(text, source) {
                Ok(e) => {
                    let _ = writeln!(out, "{name}: known failures from {source} (built in)");
                    e
                }
                Err(e) => return usage(e),
            },
            (None, None) => Expectations::default(),
        };
        hellos.push((name.clone(), imp.hello.clone()));
        let all = suite::plan_all(&imp.hello, &corpus, opts.seed);
        let universe: Vec<String> = all.iter().map(|p| p.id.clone()).collect();
        let first = results.len();
        if let Some(path) = &args.replay {
            match suite::replay(&mut imp, path, &known) {
                Ok(rs) => results.extend(rs),
                Err(e) => return usage(e),
            }
        } else {
            let plan = suite::select(all, &opts);
            if list_only {
                let listed = writeln!(
                    out,
                    "{name}: {} {} [{}] — {} tests",
                    imp.hello.name,
                    imp.hello.version,
                    imp.hello.capabilities.join(", "),
                    plan.len()
                )
                .and_then(|()| plan.iter().try_for_each(|p| writeln!(out, "  {}", p.id)));
                if listed.is_err() {
                    // A closed pipe (`list | head`): the reader has what it wanted.
                    return ExitCode::SUCCESS;
                }
                continue;
            }
            let mut progress = Progress::new(name, plan.len());
            for planned in &plan {
                progress.before(planned);
                results.push(suite::run_one(&mut imp, planned, &opts, &known));
                progress.after();
            }
            progress.finish();
        }
        known.apply(&mut results[first..]);
        // A bundled file is judged against its own implementation here; an explicit one
        // against every implementation of the run, after the loop.
        if explicit.is_none() {
            let universe = [(name.clone(), universe)];
            unused_maps.extend(named(expectations::unused_error_maps(
                &known,
                &results[first..],
                &universe,
            )));
            stale.extend(named(known.stale(&universe)));
        } else {
            universes.push((name.clone(), universe));
        }
        for r in results[first..].iter().filter(|r| r.mode == "props") {
            let _ = writeln!(out, "{name} props {}: {}", r.id, r.detail);
        }
    }
    if list_only {
        return ExitCode::SUCCESS;
    }
    if let Some(e) = &explicit {
        unused_maps.extend(named(expectations::unused_error_maps(
            e, &results, &universes,
        )));
        stale.extend(named(e.stale(&universes)));
    }
    let meta = report::RunInfo {
        suite_version: env!("CARGO_PKG_VERSION"),
        corpus_dir: corpus.source.describe(),
        corpus_files: corpus.files,
        corpus_digest: corpus.digest.clone(),
        seed: opts.seed,
        implementations: hellos,
        strict: args.strict,
    };
    let unexpected = expectations::unexpected_passes(&results);
    let _ = write!(
        out,
        "{}",
        report::summary(&meta, &results, &stale, &unexpected, &unused_maps)
    );
    if let Some(p) = &args.report_json {
        if let Err(e) = std::fs::write(
            p,
            report::json(&meta, &results, &stale, &unexpected, &unused_maps),
        ) {
            return usage(format!("{}: {e}", p.display()));
        }
    }
    if let Some(p) = &args.junit {
        if let Err(e) = std::fs::write(p, report::junit(&meta, &results)) {
            return usage(format!("{}: {e}", p.display()));
        }
    }
    let counts = Counts::of(&results);
    if counts.passed
        + counts.failed
        + counts.expected_failures
        + counts.suite_errors
        + counts.deviations
        == 0
    {
        return usage("no test ran (every test was skipped or filtered out): nothing was checked");
    }
    if counts.suite_errors > 0 {
        // Neither a pass nor the implementations' failure: the suite itself is at fault.
        return usage(format!(
            "{} suite errors: tests the suite could not judge (listed above)",
            counts.suite_errors
        ));
    }
    let strict_failures = unexpected.len()
        + unused_maps.len()
        + counts.deviations
        + results
            .iter()
            .filter(|r| r.status == Status::Pass && !r.notes.is_empty())
            .count();
    if counts.failed > 0 || (args.strict && strict_failures > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Expectations entries as a report names them: key and file.
fn named(entries: Vec<&expectations::Entry>) -> Vec<String> {
    entries
        .into_iter()
        .map(|e| format!("{} in {}", e.key, e.source))
        .collect()
}

/// Progress: a bar on a terminal; elsewhere (CI logs) a line when a mode starts and at
/// least one every 10 s from a ticker thread, so a long run (or one long test) is never silent.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    state: std::sync::Arc<std::sync::Mutex<(usize, String)>>,
    stop: Option<std::sync::mpsc::Sender<()>>,
    ticker: Option<std::thread::JoinHandle<()>>,
    name: String,
    len: usize,
    mode: &'static str,
}

impl Progress {
    fn new(name: &str, len: usize) -> Progress {
        let bar = progress(name, len);
        let state = std::sync::Arc::new(std::sync::Mutex::new((0, String::new())));
        let (stop, ticker) = if bar.is_none() {
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let (state, name) = (state.clone(), name.to_string());
            let ticker = std::thread::spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    rx.recv_timeout(Duration::from_secs(10))
                {
                    if let Ok(s) = state.lock() {
                        eprintln!("{name}: {}/{len} tests done, running {}", s.0, s.1);
                    }
                }
            });
            (Some(tx), Some(ticker))
        } else {
            (None, None)
        };
        Progress {
            bar,
            state,
            stop,
            ticker,
            name: name.to_string(),
            len,
            mode: "",
        }
    }

    fn before(&mut self, planned: &suite::Planned) {
        if let Some(b) = &self.bar {
            b.set_message(planned.id.clone());
            return;
        }
        let done = match self.state.lock() {
            Ok(mut s) => {
                s.1 = planned.id.clone();
                s.0
            }
            Err(_) => 0,
        };
        let mode = planned.mode.name();
        if mode != self.mode {
            self.mode = mode;
            eprintln!("{}: {mode}: {done}/{} tests done", self.name, self.len);
        }
    }

    fn after(&mut self) {
        if let Ok(mut s) = self.state.lock() {
            s.0 += 1;
        }
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    fn finish(self) {
        drop(self.stop);
        if let Some(t) = self.ticker {
            let _ = t.join();
        }
        let done = self.state.lock().map(|s| s.0).unwrap_or(0);
        match self.bar {
            Some(b) => b.finish_and_clear(),
            None => eprintln!("{}: {done}/{} tests done", self.name, self.len),
        }
    }
}

fn progress(name: &str, len: usize) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    let style =
        indicatif::ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {wide_msg}")
            .ok()?;
    bar.set_style(style.progress_chars("=> "));
    bar.set_prefix(name.to_string());
    Some(bar)
}

fn vectors(command: VectorsCommand) -> ExitCode {
    match command {
        VectorsCommand::Generate { out, schemas } => {
            let written = e2ee_vectors::generate::write_all(&out).and_then(|mut files| {
                if let Some(dir) = &schemas {
                    files.extend(e2ee_vectors::schema::write_all(dir)?);
                }
                Ok(files)
            });
            match written {
                Ok(files) => {
                    println!("wrote {} files", files.len());
                    ExitCode::SUCCESS
                }
                Err(e) => usage(format!("vectors generate: {e}")),
            }
        }
        VectorsCommand::Check { dir } => check_vectors(&corpus::Source::from_arg(dir)),
    }
}

/// Known-answer files are re-derived with the spec; trace files are replayed against it. Every
/// directory of the corpus is checked, the session profiles' and the others'.
fn check_vectors(source: &corpus::Source) -> ExitCode {
    let (mut passed, mut failed, mut files) = (0usize, 0usize, 0usize);
    for dir in corpus::directories() {
        let dir_files = match source.files_in(dir.name()) {
            Ok(f) => f,
            Err(e) => return usage(format!("vectors: {e}")),
        };
        for (name, bytes) in dir_files {
            let located = source.locate(&name);
            let (p, f, errors) = match e2ee_vectors::kat::check_bytes(&located, &bytes) {
                Ok(c) => (c.passed, c.failed, c.failures),
                Err(e) => (0, 1, vec![e]),
            };
            println!("{located}: {p} passed, {f} failed");
            for e in errors.iter().take(10) {
                println!("  {e}");
            }
            passed += p;
            failed += f;
            files += 1;
        }
    }
    if files == 0 {
        return usage(format!("no vector files in {}", source.describe()));
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn proofs(command: ProofsCommand) -> ExitCode {
    use e2ee_proofs as proofs;
    match command {
        ProofsCommand::Export { out } => match proofs::export(&out, &proofs::models()) {
            Ok(files) => {
                println!("wrote {} files to {}", files.len(), out.display());
                ExitCode::SUCCESS
            }
            Err(e) => usage(format!("proofs export: {e}")),
        },
        ProofsCommand::Check {
            dir,
            only,
            record,
            jobs,
        } => {
            // Without --dir, the models this binary's spec generates, in a folder of their own.
            let (dir, _scratch) = match dir {
                Some(d) => (d, None),
                None => match Scratch::new("proofs") {
                    Ok(s) => match proofs::export(&s.0, &proofs::models()) {
                        Ok(_) => (s.0.clone(), Some(s)),
                        Err(e) => return usage(format!("proofs check: {e}")),
                    },
                    Err(e) => return usage(format!("proofs check: {e}")),
                },
            };
            let select = |file: &str| only.as_deref().is_none_or(|o| file.contains(o));
            let jobs =
                jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let finished = std::sync::atomic::AtomicUsize::new(0);
            let progress = |m: &proofs::ModelResult| {
                let n = finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                let state = if m.ok() { "ok" } else { "FAILED" };
                eprintln!("[{n}] {} {state} ({:.1} s)", m.file, m.seconds);
            };
            let result = proofs::check(&dir, &select, jobs, &progress);
            print!("{}", result.summary());
            match result.status {
                proofs::CheckStatus::ProverifMissing => {
                    return ExitCode::from(EXIT_PROVERIF_MISSING)
                }
                _ if result.models.is_empty() && result.message.is_some() => {
                    return ExitCode::from(1)
                }
                _ if result.models.is_empty() => {
                    return usage(format!("no model in {} matches", dir.display()))
                }
                _ => {}
            }
            if record {
                let path = dir.join(proofs::RECORD);
                let tool = proofs::find_proverif()
                    .and_then(|p| proofs::proverif_version(&p))
                    .unwrap_or_else(|| "Proverif (unknown version)".into());
                match proofs::write_record(&path, &result, &tool) {
                    Ok(n) => println!("recorded {n} models in {}", path.display()),
                    Err(e) => return usage(format!("{}: {e}", path.display())),
                }
            }
            let (ok, all) = (
                result.models.iter().filter(|m| m.ok()).count(),
                result.models.len(),
            );
            println!("{ok} of {all} models gave every expected result");
            if result.status == proofs::CheckStatus::Passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// A temporary folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(what: &str) -> std::io::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("e2ee-conform-{what}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(args, false),
        Command::List(selection) => list(selection),
        Command::Shim { seed, limits } => {
            let spec = match limits {
                None => Ok(SpecIut::new(seed)),
                Some(json) => serde_json::from_str(&json)
                    .map_err(|e| format!("--limits: {e}"))
                    .and_then(|l| SpecIut::new(seed).declaring(l)),
            };
            let served =
                spec.and_then(|s| e2ee_harness::shim_server::serve(s).map_err(|e| e.to_string()));
            match served {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => usage(format!("shim: {e}")),
            }
        }
        Command::Vectors { command } => vectors(command),
        Command::Proofs { command } => proofs(command),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// clap's own consistency checks, and: every option of every subcommand says what it is
    /// for in `--help`.
    #[test]
    fn every_option_has_help() {
        Cli::command().debug_assert();
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() {
                    missing.push(format!("{path} --{id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "e2ee-conform", &mut missing);
        assert!(missing.is_empty(), "options without help: {missing:?}");
    }

    #[test]
    fn implementations_split_at_commas_except_shim_commands() {
        let values = [
            "spec,vodozemac".to_string(),
            "shim:tool --x a,b".to_string(),
        ];
        assert_eq!(
            implementations(&values).unwrap(),
            ["spec", "vodozemac", "shim:tool --x a,b"]
        );
        assert!(implementations(&["spec,nope".to_string()]).is_err());
        assert_eq!(implementations(&[]).unwrap(), impls::BUNDLED);
        assert_eq!(
            implementations(&["spec".into(), "spec".into()]).unwrap(),
            ["spec"]
        );
    }
}
