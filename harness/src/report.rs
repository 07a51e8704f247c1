//! Results and their outputs: the text summary, the JSON report and JUnit XML.

use e2ee_vectors::limits::{Declared, Deviation};
use serde::Serialize;
use std::fmt::Write as _;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    Skip,
    /// Failed, and the expectations file says it is known to fail.
    ExpectedFail,
    /// The suite could not judge this test (the spec itself accepts what the test expects
    /// rejected, or a vector contradicts itself): not the implementation's failure, not a
    /// pass; the run exits 2.
    SuiteError,
    /// A vector whose verdict depends on a limit the implementation declared stricter than
    /// its profile's, passed at the declared limit: not a pass at the profile's, not a
    /// failure (SHIM.md §Limits); `--strict` fails the run.
    Deviation,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub implementation: String,
    pub mode: String,
    /// `<mode>/<profile>/...`, the id expectations globs match.
    pub id: String,
    pub status: Status,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The bug types of the test's flags (what a failure of this test means).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bug_types: Vec<String>,
    /// A failed trace's steps after the failing one: never checked.
    #[serde(skip_serializing_if = "is_zero")]
    pub unchecked_steps: usize,
    /// Steps that passed only through an error map.
    #[serde(skip_serializing_if = "is_zero")]
    pub mapped_steps: usize,
    /// The whole-test expectations entry that excused a failure or did not hold (unexpected
    /// pass).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expectation: Option<String>,
    /// The error-map entry that applied to this test.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_map: Option<String>,
    /// The declared deviations (`signal-v3 max_skip 2000 (profile 25000)`) this test's
    /// verdict depends on: it ran at the declared limits.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deviations: Vec<String>,
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
}

impl TestResult {
    /// A result not yet run: skipped, with nothing to say.
    pub fn new(implementation: &str, mode: &str, id: &str, bug_types: Vec<String>) -> TestResult {
        TestResult {
            implementation: implementation.into(),
            mode: mode.into(),
            id: id.into(),
            status: Status::Skip,
            detail: String::new(),
            notes: Vec::new(),
            bug_types,
            unchecked_steps: 0,
            mapped_steps: 0,
            expectation: None,
            error_map: None,
            deviations: Vec::new(),
            duration: Duration::default(),
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub expected_failures: usize,
    pub suite_errors: usize,
    pub deviations: usize,
}

impl Counts {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a TestResult>) -> Counts {
        let mut c = Counts::default();
        for r in results {
            match r.status {
                Status::Pass => c.passed += 1,
                Status::Fail => c.failed += 1,
                Status::Skip => c.skipped += 1,
                Status::ExpectedFail => c.expected_failures += 1,
                Status::SuiteError => c.suite_errors += 1,
                Status::Deviation => c.deviations += 1,
            }
        }
        c
    }

    /// `N passed, M failed, K skipped` (expected failures are counted as skipped: they did
    /// not pass, and they do not fail the run), and the suite errors and deviations if there
    /// are any.
    pub fn line(&self) -> String {
        let suite_errors = match self.suite_errors {
            0 => String::new(),
            n => format!(", {n} suite errors"),
        };
        let deviations = match self.deviations {
            0 => String::new(),
            n => format!(", {n} deviations"),
        };
        format!(
            "{} passed, {} failed, {} skipped{suite_errors}{deviations}",
            self.passed,
            self.failed,
            self.skipped + self.expected_failures
        )
    }
}

/// What identifies a run: the suite, the corpus, the seed, the implementations as they
/// declared themselves.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub suite_version: &'static str,
    pub corpus_dir: String,
    pub corpus_files: usize,
    /// SHA-256 over the vector files (see `corpus::Corpus::digest`).
    pub corpus_digest: String,
    pub seed: u64,
    /// (name given to `--impl`, its `hello`).
    pub implementations: Vec<(String, e2ee_iut::protocol::Hello)>,
    pub strict: bool,
}

impl RunInfo {
    /// The implementation's own name and version, from its `hello`.
    fn declared_name(&self, implementation: &str) -> String {
        self.implementations
            .iter()
            .find(|(n, _)| n == implementation)
            .map(|(_, h)| format!("{} {}", h.name, h.version))
            .unwrap_or_else(|| implementation.to_string())
    }
}

/// A departure from a profile an implementation declared in its `hello`, and the tests whose
/// verdict depends on it (judged at the declared limit: none counted as a pass).
#[derive(Debug, Clone, Serialize)]
pub struct DeclaredDeviation {
    pub implementation: String,
    #[serde(flatten)]
    pub deviation: Deviation,
    /// Tests judged at the declared value rather than the profile's.
    pub tests: usize,
}

/// Every deviation each implementation of the run declared (SHIM.md §Limits), with its tests.
pub fn declared_deviations(meta: &RunInfo, results: &[TestResult]) -> Vec<DeclaredDeviation> {
    let mut out = Vec::new();
    for (name, hello) in &meta.implementations {
        // A declaration the runner refused never ran; one it ran was valid.
        let declared = Declared::of(hello).unwrap_or_default();
        for (profile, _) in declared.profiles() {
            for deviation in declared.deviations(*profile) {
                let tests = results
                    .iter()
                    .filter(|r| {
                        &r.implementation == name && r.deviations.contains(&deviation.name())
                    })
                    .count();
                out.push(DeclaredDeviation {
                    implementation: name.clone(),
                    deviation,
                    tests,
                });
            }
        }
    }
    out
}

/// The command that runs one test again.
fn rerun(r: &TestResult) -> String {
    format!(
        "e2ee-conform run --impl '{}' --filter '{}'",
        r.implementation, r.id
    )
}

/// The results of `status`, under `heading`: the first 50, each as `label`, id, what
/// `meaning` adds, the detail and its rerun command, then how many more there are.
fn list(
    out: &mut String,
    results: &[TestResult],
    status: Status,
    heading: &str,
    label: &str,
    meaning: impl Fn(&TestResult) -> String,
) {
    let chosen: Vec<&TestResult> = results.iter().filter(|r| r.status == status).collect();
    if chosen.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{heading}");
    for r in chosen.iter().take(50) {
        let _ = writeln!(
            out,
            "  {label} {} {}{}: {}\n       rerun: {}",
            r.implementation,
            r.id,
            meaning(r),
            r.detail,
            rerun(r)
        );
    }
    if chosen.len() > 50 {
        let _ = writeln!(
            out,
            "  ... and {} more (see the JSON report)",
            chosen.len() - 50
        );
    }
}

/// The text summary: the corpus, one line per implementation and mode, the failures (with
/// what they mean and how to rerun them), the notes, the expectations that did not hold.
pub fn summary(
    meta: &RunInfo,
    results: &[TestResult],
    stale: &[String],
    unexpected_passes: &[&TestResult],
    unused_error_maps: &[String],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "e2ee-conform {}: corpus {} ({} files, sha256 {}), seed {}",
        meta.suite_version, meta.corpus_dir, meta.corpus_files, meta.corpus_digest, meta.seed
    );
    let mut groups: Vec<(String, String)> = Vec::new();
    for r in results {
        let key = (r.implementation.clone(), r.mode.clone());
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    for (imp, mode) in &groups {
        let rs: Vec<&TestResult> = results
            .iter()
            .filter(|r| &r.implementation == imp && &r.mode == mode)
            .collect();
        let c = Counts::of(rs.iter().copied());
        let unchecked: usize = rs
            .iter()
            .filter(|r| r.status == Status::ExpectedFail)
            .map(|r| r.unchecked_steps)
            .sum();
        let expected = match (c.expected_failures, unchecked) {
            (0, _) => String::new(),
            (n, 0) => format!(" ({n} known failures excused)"),
            (n, u) => format!(" ({n} known failures excused; {u} steps after them never checked)"),
        };
        let _ = writeln!(out, "{imp:>12} {mode:<8} {}{expected}", c.line());
    }
    // The first 50 failures, then the first 50 suite errors, each with its rerun command.
    list(
        &mut out,
        results,
        Status::Fail,
        "Failures:",
        "FAIL",
        |r| match r.bug_types.is_empty() {
            true => String::new(),
            false => format!(" [{}]", r.bug_types.join(", ")),
        },
    );
    list(
        &mut out,
        results,
        Status::SuiteError,
        "Suite errors (the suite could not judge these; not the implementation's failures):",
        "SUITE ERROR",
        |_| String::new(),
    );
    let deviations = declared_deviations(meta, results);
    if !deviations.is_empty() {
        let _ = writeln!(out, "\nDeclared deviations (limits stricter than the profile's; the tests that depend on one were judged at the declared value, and are neither passes nor failures):");
        for d in &deviations {
            let ids: Vec<&str> = results
                .iter()
                .filter(|r| {
                    r.implementation == d.implementation
                        && r.deviations.contains(&d.deviation.name())
                })
                .map(|r| r.id.as_str())
                .collect();
            let shown = match ids.len() {
                0 => String::new(),
                n if n > 3 => format!(" ({} and {} more)", ids[..3].join(", "), n - 3),
                _ => format!(" ({})", ids.join(", ")),
            };
            let _ = writeln!(
                out,
                "  DEVIATION {}: {}: {} tests not run at the profile's value{shown}",
                d.implementation,
                d.deviation.name(),
                d.tests
            );
        }
    }
    let skipped_reasons = skip_reasons(results);
    if !skipped_reasons.is_empty() {
        let _ = writeln!(out, "\nSkipped:");
        for (imp, reason, n) in skipped_reasons {
            let _ = writeln!(out, "  {n:>5} {imp}: {reason}");
        }
    }
    let noted: usize = results
        .iter()
        .filter(|r| !r.notes.is_empty() && r.status == Status::Pass)
        .count();
    if noted > 0 {
        let _ = writeln!(out, "\n{noted} passing tests carry notes (weaker checks, e.g. an error class the implementation cannot report); see the JSON report.");
    }
    let mut entries: Vec<&str> = Vec::new();
    for r in unexpected_passes {
        let entry = r.expectation.as_deref().unwrap_or("");
        if !entries.contains(&entry) {
            entries.push(entry);
        }
    }
    for entry in entries {
        let ids: Vec<&str> = unexpected_passes
            .iter()
            .filter(|r| r.expectation.as_deref() == Some(entry))
            .map(|r| r.id.as_str())
            .collect();
        let shown = ids.iter().take(3).copied().collect::<Vec<_>>().join(", ");
        let more = if ids.len() > 3 {
            format!(" and {} more", ids.len() - 3)
        } else {
            String::new()
        };
        let _ = writeln!(out, "UNEXPECTED PASS of {} test(s) ({shown}{more}): expectation {entry} did not hold for them", ids.len());
    }
    for m in unused_error_maps {
        let _ = writeln!(
            out,
            "UNUSED error map {m}: every test it matched reported the spec's class"
        );
    }
    for s in stale {
        let _ = writeln!(
            out,
            "STALE expectation {s}: matches no test of the implementation it is for"
        );
    }
    if meta.strict {
        let _ = writeln!(
            out,
            "--strict: unexpected passes, unused error maps, passes with notes and deviations fail the run"
        );
    }
    let _ = writeln!(out, "\n{}", Counts::of(results).line());
    out
}

fn skip_reasons(results: &[TestResult]) -> Vec<(String, String, usize)> {
    let mut out: Vec<(String, String, usize)> = Vec::new();
    for r in results.iter().filter(|r| r.status == Status::Skip) {
        match out
            .iter_mut()
            .find(|(i, d, _)| i == &r.implementation && d == &r.detail)
        {
            Some(entry) => entry.2 += 1,
            None => out.push((r.implementation.clone(), r.detail.clone(), 1)),
        }
    }
    out
}

/// The JSON report's format version: bumped when a field changes meaning or goes away.
pub const JSON_FORMAT: u32 = 2;

#[derive(Serialize)]
struct JsonReport<'a> {
    format: u32,
    run: &'a RunInfo,
    counts: Counts,
    results: &'a [TestResult],
    stale_expectations: &'a [String],
    unexpected_passes: Vec<&'a str>,
    unused_error_maps: &'a [String],
    /// Every declared departure from a profile, with how many tests it took from the
    /// profile's values.
    deviations: Vec<DeclaredDeviation>,
}

pub fn json(
    meta: &RunInfo,
    results: &[TestResult],
    stale: &[String],
    unexpected_passes: &[&TestResult],
    unused_error_maps: &[String],
) -> String {
    serde_json::to_string_pretty(&JsonReport {
        format: JSON_FORMAT,
        run: meta,
        counts: Counts::of(results),
        results,
        stale_expectations: stale,
        unexpected_passes: unexpected_passes.iter().map(|r| r.id.as_str()).collect(),
        unused_error_maps,
        deviations: declared_deviations(meta, results),
    })
    .unwrap_or_default()
}

/// JUnit XML: one testsuite per implementation and mode; the class name is the
/// implementation's declared name (not its command line).
pub fn junit(meta: &RunInfo, results: &[TestResult]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("e2ee-conform");
    let mut groups: Vec<(String, String)> = Vec::new();
    for r in results {
        let key = (r.implementation.clone(), r.mode.clone());
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    for (imp, mode) in groups {
        let classname = format!("{}.{mode}", meta.declared_name(&imp));
        let mut suite = TestSuite::new(format!("{imp}.{mode}"));
        let mut time = Duration::ZERO;
        for r in results
            .iter()
            .filter(|r| r.implementation == imp && r.mode == mode)
        {
            let status = match r.status {
                Status::Pass => TestCaseStatus::success(),
                Status::Fail => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(text(&r.detail));
                    s.set_description(text(&format!(
                        "bug types: {}\nrerun: {}",
                        r.bug_types.join(", "),
                        rerun(r)
                    )));
                    s
                }
                // JUnit's error: the test could not be judged, as opposed to a failure.
                Status::SuiteError => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                    s.set_message(text(&r.detail));
                    s.set_description(text(&format!("suite error\nrerun: {}", rerun(r))));
                    s
                }
                Status::Skip | Status::ExpectedFail | Status::Deviation => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(text(r.expectation.as_deref().unwrap_or(&r.detail)));
                    s
                }
            };
            let mut case = TestCase::new(r.id.clone(), status);
            case.set_classname(classname.clone());
            case.set_time(r.duration);
            time += r.duration;
            suite.add_test_case(case);
        }
        suite.set_time(time);
        report.add_test_suite(suite);
    }
    report.to_string().unwrap_or_default()
}

/// Text from a shim as XML 1.0 can carry it: without control characters other than
/// newline and tab, which no escaping can put into an XML document.
fn text(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, status: Status, detail: &str) -> TestResult {
        TestResult {
            implementation: "shim:./x".into(),
            mode: "kat".into(),
            id: id.into(),
            status,
            detail: detail.into(),
            notes: Vec::new(),
            bug_types: vec!["AUTH".into()],
            unchecked_steps: 0,
            mapped_steps: 0,
            expectation: None,
            error_map: None,
            deviations: Vec::new(),
            duration: Duration::from_millis(1500),
        }
    }

    /// A shim's text, whatever it holds, cannot break the XML; the counts, time and class
    /// name (the declared name, not the command line) are there.
    #[test]
    fn junit_counts_and_escapes() {
        let meta = RunInfo {
            suite_version: "0",
            corpus_dir: "built in".into(),
            corpus_files: 1,
            corpus_digest: "00".into(),
            seed: 1,
            implementations: vec![(
                "shim:./x".into(),
                e2ee_iut::protocol::Hello {
                    name: "mylib".into(),
                    version: "2.1".into(),
                    ..Default::default()
                },
            )],
            strict: false,
        };
        let xml = junit(
            &meta,
            &[
                result("kat/p/a", Status::Pass, ""),
                result("kat/p/b", Status::Fail, "<got> \"x\" & \u{1b}[31m\u{0}"),
            ],
        );
        assert!(
            xml.contains(r#"tests="2""#) && xml.contains(r#"failures="1""#),
            "{xml}"
        );
        assert!(xml.contains(r#"classname="mylib 2.1.kat""#), "{xml}");
        assert!(xml.contains(r#"time="3.000""#), "{xml}");
        assert!(
            xml.contains("&lt;got&gt; &quot;x&quot; &amp; [31m"),
            "{xml}"
        );
        assert!(!xml.contains('\u{1b}') && !xml.contains('\u{0}'), "{xml}");
        assert!(!xml.contains("classname=\"shim:"), "{xml}");
    }
}
