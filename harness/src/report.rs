//! Results and their outputs: the text summary, the JSON report and JUnit XML.

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
    /// The expectations entry that excused a failure or did not hold (unexpected pass).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expectation: Option<String>,
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
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
            }
        }
        c
    }

    /// `N passed, M failed, K skipped` (expected failures are counted as skipped: they did
    /// not pass, and they do not fail the run).
    pub fn line(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed,
            self.failed,
            self.skipped + self.expected_failures
        )
    }
}

/// The text summary: one line per implementation and mode, the failures, the notes.
pub fn summary(
    results: &[TestResult],
    stale: &[String],
    unexpected_passes: &[&TestResult],
) -> String {
    let mut out = String::new();
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
        let expected = if c.expected_failures > 0 {
            format!(" ({} known failures excused)", c.expected_failures)
        } else {
            String::new()
        };
        let _ = writeln!(out, "{imp:>12} {mode:<8} {}{expected}", c.line());
    }
    let failures: Vec<&TestResult> = results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\nFailures:");
        for r in failures.iter().take(50) {
            let _ = writeln!(out, "  FAIL {} {}: {}", r.implementation, r.id, r.detail);
        }
        if failures.len() > 50 {
            let _ = writeln!(
                out,
                "  ... and {} more (see the JSON report)",
                failures.len() - 50
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
    for s in stale {
        let _ = writeln!(out, "STALE expectation {s}: matches no test that ran");
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

#[derive(Serialize)]
struct JsonReport<'a> {
    counts: Counts,
    results: &'a [TestResult],
    stale_expectations: &'a [String],
}

pub fn json(results: &[TestResult], stale: &[String]) -> String {
    serde_json::to_string_pretty(&JsonReport {
        counts: Counts::of(results),
        results,
        stale_expectations: stale,
    })
    .unwrap_or_default()
}

/// JUnit XML: one testsuite per implementation and mode.
pub fn junit(results: &[TestResult]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    let mut groups: Vec<(String, String)> = Vec::new();
    for r in results {
        let key = (r.implementation.clone(), r.mode.clone());
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    for (imp, mode) in groups {
        let rs: Vec<&TestResult> = results
            .iter()
            .filter(|r| r.implementation == imp && r.mode == mode)
            .collect();
        let c = Counts::of(rs.iter().copied());
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
            xml(&format!("{imp}.{mode}")),
            rs.len(),
            c.failed,
            c.skipped + c.expected_failures
        );
        for r in rs {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.6}\"",
                xml(&format!("{imp}.{mode}")),
                xml(&r.id),
                r.duration.as_secs_f64()
            );
            match r.status {
                Status::Pass => out.push_str("/>\n"),
                Status::Fail => {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\"/>\n    </testcase>",
                        xml(&r.detail)
                    );
                }
                Status::Skip | Status::ExpectedFail => {
                    let why = r.expectation.clone().unwrap_or_else(|| r.detail.clone());
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        xml(&why)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn xml(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}
