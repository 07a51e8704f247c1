//! What several of the spec's tests and benchmarks share (benches include it by path).

/// A last-resort KEM prekey for the bundles of `signal-v4` parties (ignored by the others):
/// one fixed Kyber1024 key pair, generated once.
pub fn kyber() -> Option<e2ee_spec::party::KemPrekeyInput<'static>> {
    static PAIR: std::sync::LazyLock<e2ee_spec::crypto::kem::KemKeyPair> =
        std::sync::LazyLock::new(|| {
            e2ee_spec::crypto::kem::generate(e2ee_spec::profiles::signal_v4::KEM, &[11; 64])
        });
    Some(e2ee_spec::party::KemPrekeyInput {
        id: 1,
        pair: &PAIR,
        z: &[12; 64],
        last_resort: true,
    })
}
