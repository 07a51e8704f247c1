//! Declared limits (harness/SHIM.md §Limits): what an implementation's `hello` says it keeps
//! where it keeps less than a profile. Checked against the profile here, and turned into the
//! `Limits` the spec gives the parties such an implementation plays, when it records a test
//! for it or judges its bytes (the peer keeps the profile's).
//!
//! Only a stricter limit can be declared. A stricter limit refuses some messages the profile
//! accepts and never accepts one the profile refuses, so every test that does not reach the
//! limit means the same thing, and the ones that do are named deviations. A looser limit would
//! accept what the profile refuses (a larger gap is more work a forged header buys, a key
//! kept longer is a key an attacker may still use): that is not a deployment of the profile,
//! so declaring one is an error of the `hello`, not a deviation to report.

use e2ee_iut::protocol::{DeclaredLimits, Hello, StorePer, LIMITS_MINOR};
use e2ee_spec::profile::{Limits, SkippedKeyStore};
use e2ee_spec::Profile;

/// The limits an implementation declared, checked: per profile, the limits its parties keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declared {
    stricter: Vec<(Profile, Limits)>,
}

/// One declared departure from a profile: a limit whose declared value is not the profile's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deviation {
    pub profile: String,
    /// The `hello` field: `max_skip`, `skipped_keys`, `receiver_chains`, `archived_sessions`.
    pub limit: &'static str,
    pub declared: String,
    pub profile_value: String,
}

impl Deviation {
    /// `signal-v3 max_skip 2000 (profile 25000)`.
    pub fn name(&self) -> String {
        format!(
            "{} {} {} (profile {})",
            self.profile, self.limit, self.declared, self.profile_value
        )
    }
}

impl Declared {
    /// Check `hello.limits` against each profile. An error names the profile and the field,
    /// and says what may be declared.
    pub fn of(hello: &Hello) -> Result<Declared, String> {
        if !hello.limits.is_empty() && hello.minor < LIMITS_MINOR {
            return Err(format!(
                "hello: `limits` is a protocol 1.{LIMITS_MINOR} field, but the shim answered 1.{}",
                hello.minor
            ));
        }
        let mut stricter = Vec::new();
        for (name, declared) in &hello.limits {
            let profile = Profile::from_name(name).ok_or_else(|| {
                format!(
                    "hello: limits for {name:?}: limits are declared for the 1:1 profiles ({})",
                    profile_names()
                )
            })?;
            if !hello.profiles.iter().any(|p| p == name) {
                return Err(format!(
                    "hello: limits for {name}, a profile the implementation does not declare"
                ));
            }
            let limits = within(profile, declared)
                .map_err(|e| format!("hello: limits for {name}: {e} (SHIM.md §Limits)"))?;
            stricter.push((profile, limits));
        }
        Ok(Declared { stricter })
    }

    /// The limits a party of `profile` keeps: the declared ones, or the profile's.
    pub fn limits(&self, profile: Profile) -> Limits {
        self.stricter
            .iter()
            .find(|(p, _)| *p == profile)
            .map_or(profile.limits(), |(_, l)| *l)
    }

    /// Every profile with a declared limit, and the limits its parties keep.
    pub fn profiles(&self) -> &[(Profile, Limits)] {
        &self.stricter
    }

    /// `profile`'s limits as declared, one deviation per field whose value is not the
    /// profile's (declaring the profile's own value is no deviation).
    pub fn deviations(&self, profile: Profile) -> Vec<Deviation> {
        let (base, mine) = (profile.limits(), self.limits(profile));
        let mut out = Vec::new();
        let mut differs = |limit: &'static str, declared: String, profile_value: String| {
            if declared != profile_value {
                out.push(Deviation {
                    profile: profile.name().into(),
                    limit,
                    declared,
                    profile_value,
                });
            }
        };
        differs(
            "max_skip",
            mine.max_skip.to_string(),
            base.max_skip.to_string(),
        );
        differs(
            "skipped_keys",
            store_name(mine.skipped_keys),
            store_name(base.skipped_keys),
        );
        differs(
            "receiver_chains",
            mine.receiver_chains.to_string(),
            base.receiver_chains.to_string(),
        );
        differs(
            "archived_sessions",
            mine.archived_sessions.to_string(),
            base.archived_sessions.to_string(),
        );
        out
    }

    /// These declarations with only the declared `limit` (a [`Deviation::limit`]) of
    /// `profile` kept: to tell which declared limit a test's verdict depends on.
    pub fn only(&self, profile: Profile, limit: &str) -> Declared {
        let (mut limits, mine) = (profile.limits(), self.limits(profile));
        match limit {
            "max_skip" => limits.max_skip = mine.max_skip,
            "skipped_keys" => limits.skipped_keys = mine.skipped_keys,
            "receiver_chains" => limits.receiver_chains = mine.receiver_chains,
            _ => limits.archived_sessions = mine.archived_sessions,
        }
        Declared {
            stricter: vec![(profile, limits)],
        }
    }
}

/// `2000 per chain`, `1000 per session`.
pub fn store_name(store: SkippedKeyStore) -> String {
    match store {
        SkippedKeyStore::PerChain(n) => format!("{n} per chain"),
        SkippedKeyStore::Global(n) => format!("{n} per session"),
    }
}

fn profile_names() -> String {
    Profile::ALL.map(Profile::name).join(", ")
}

/// `declared` applied to `profile`'s limits, if every field is at most the profile's and
/// bounds something (a limit of 0 would refuse every out-of-order message, or every message).
fn within(profile: Profile, declared: &DeclaredLimits) -> Result<Limits, String> {
    let base = profile.limits();
    let mut limits = base;
    let at_most = |field: &str, value: u32, bound: usize, least: u32| -> Result<usize, String> {
        let v = value as usize;
        if value < least {
            return Err(format!("{field} {value}: at least {least}"));
        }
        if v > bound {
            return Err(format!(
                "{field} {value} is looser than the profile's {bound}: only a stricter limit may be declared"
            ));
        }
        Ok(v)
    };
    if let Some(v) = declared.max_skip {
        limits.max_skip = at_most("max_skip", v, base.max_skip as usize, 1)? as u32;
    }
    if let Some(v) = declared.receiver_chains {
        limits.receiver_chains = at_most("receiver_chains", v, base.receiver_chains, 1)?;
    }
    if let Some(v) = declared.archived_sessions {
        limits.archived_sessions = at_most("archived_sessions", v, base.archived_sessions, 0)?;
    }
    if let Some(store) = declared.skipped_keys {
        let n = at_most("skipped_keys.max", store.max, base.skipped_keys.size(), 1)?;
        limits.skipped_keys = match (store.per, base.skipped_keys) {
            (StorePer::Session, _) => SkippedKeyStore::Global(n),
            (StorePer::Chain, SkippedKeyStore::PerChain(_)) => SkippedKeyStore::PerChain(n),
            // `modern` keeps the rest of every chain it leaves in its one store: a bound per
            // chain would not bound the keys of all the chains together.
            (StorePer::Chain, SkippedKeyStore::Global(_)) => {
                return Err(format!(
                    "skipped_keys per chain: {} keeps the keys of every chain in one store of {}, so a bound per chain is looser; declare one per session",
                    profile.name(),
                    base.skipped_keys.size()
                ))
            }
        };
    }
    Ok(limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(limits: serde_json::Value) -> Hello {
        serde_json::from_value(serde_json::json!({
            "protocol": 1, "minor": 2, "name": "x", "version": "1",
            "profiles": ["modern", "signal-v3", "olm-v1"], "limits": limits,
        }))
        .unwrap()
    }

    #[test]
    fn stricter_limits_become_the_parties_limits_and_deviations() {
        let d = Declared::of(&hello(serde_json::json!({
            "signal-v3": {"max_skip": 2000, "skipped_keys": {"max": 1000, "per": "session"}},
            "olm-v1": {"max_skip": 2000, "receiver_chains": 5},
        })))
        .unwrap();
        let signal = d.limits(Profile::SignalV3);
        assert_eq!(signal.max_skip, 2000);
        assert_eq!(signal.skipped_keys, SkippedKeyStore::Global(1000));
        assert_eq!(signal.receiver_chains, 5);
        assert_eq!(d.limits(Profile::Modern), Profile::Modern.limits());
        let names: Vec<String> = d
            .deviations(Profile::SignalV3)
            .iter()
            .map(Deviation::name)
            .collect();
        assert_eq!(
            names,
            [
                "signal-v3 max_skip 2000 (profile 25000)",
                "signal-v3 skipped_keys 1000 per session (profile 2000 per chain)"
            ]
        );
        // olm-v1 declared exactly its profile's values: no deviation.
        assert_eq!(d.limits(Profile::OlmV1), Profile::OlmV1.limits());
        assert!(d.deviations(Profile::OlmV1).is_empty());
        let only = d
            .only(Profile::SignalV3, "max_skip")
            .limits(Profile::SignalV3);
        assert_eq!(only.max_skip, 2000);
        assert_eq!(only.skipped_keys, Profile::SignalV3.limits().skipped_keys);
    }

    #[test]
    fn a_looser_or_meaningless_limit_is_a_hello_error() {
        for (limits, says) in [
            (
                serde_json::json!({"signal-v3": {"max_skip": 25001}}),
                "looser than the profile's 25000",
            ),
            (
                serde_json::json!({"olm-v1": {"receiver_chains": 6}}),
                "looser",
            ),
            (
                serde_json::json!({"modern": {"archived_sessions": 1}}),
                "looser",
            ),
            (
                serde_json::json!({"signal-v3": {"skipped_keys": {"max": 2001, "per": "chain"}}}),
                "looser",
            ),
            (
                serde_json::json!({"modern": {"skipped_keys": {"max": 10, "per": "chain"}}}),
                "declare one per session",
            ),
            (
                serde_json::json!({"signal-v3": {"max_skip": 0}}),
                "at least 1",
            ),
            (
                serde_json::json!({"olm-v1": {"receiver_chains": 0}}),
                "at least 1",
            ),
            (
                serde_json::json!({"signal-v4": {"max_skip": 10}}),
                "does not declare",
            ),
            (
                serde_json::json!({"megolm-v1": {"max_skip": 10}}),
                "1:1 profiles",
            ),
        ] {
            let err = Declared::of(&hello(limits.clone())).unwrap_err();
            assert!(err.contains(says), "{limits}: {err}");
        }
        // A typo is not silently a default.
        assert!(serde_json::from_value::<DeclaredLimits>(
            serde_json::json!({"max_forward_jump": 2000})
        )
        .is_err());
    }

    #[test]
    fn limits_need_protocol_1_2() {
        let mut h = hello(serde_json::json!({"signal-v3": {"max_skip": 2000}}));
        h.minor = 1;
        assert!(Declared::of(&h).unwrap_err().contains("protocol 1.2 field"));
        h.limits.clear();
        assert_eq!(Declared::of(&h), Ok(Declared::default()));
    }

    #[test]
    fn per_chain_store_in_a_per_chain_profile() {
        let d = Declared::of(&hello(
            serde_json::json!({"olm-v1": {"skipped_keys": {"max": 20, "per": "chain"}}}),
        ))
        .unwrap();
        assert_eq!(
            d.limits(Profile::OlmV1).skipped_keys,
            SkippedKeyStore::PerChain(20)
        );
    }
}
