//! Round-3 Kyber1024 (`Kem::Kyber1024`, libsignal's KEM type 0x08) against the NIST known
//! answers of the Kyber team's reference implementation (pq-crystals/kyber v3.0,
//! `PQCkemKAT_3168.rsp`; provenance and checksums in `data/kyber1024_kat/SOURCE.md`).
//!
//! The KAT file gives a 48-byte DRBG seed per entry, not the KEM's inputs. The reference turns
//! it into `d`, `z` and `m` with NIST's AES-256 CTR_DRBG (`rng.c`), so the test carries its own
//! copy of that DRBG (NIST SP 800-90A §10.2.1, no derivation function, no reseeding), written
//! from the standard, and checks it first against the 100 seeds of the `.req` file.

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use aes::{Aes256, Block};
use e2ee_spec::crypto::kem::{self, Kem, KEYGEN_SEED_LEN};
use sha2::{Digest, Sha256};

/// NIST SP 800-90A §10.2.1 CTR_DRBG with AES-256, as `rng.c` instantiates it: no derivation
/// function, no personalization string, seedlen = 48 bytes.
struct CtrDrbg {
    key: [u8; 32],
    v: [u8; 16],
}

impl CtrDrbg {
    /// §10.2.1.3.1 Instantiate: Key = 0, V = 0, then Update(entropy_input).
    fn new(entropy_input: &[u8; 48]) -> CtrDrbg {
        let mut drbg = CtrDrbg {
            key: [0; 32],
            v: [0; 16],
        };
        drbg.update(Some(entropy_input));
        drbg
    }

    /// V := V + 1 mod 2^128 (big-endian).
    fn increment_v(&mut self) {
        self.v = u128::from_be_bytes(self.v).wrapping_add(1).to_be_bytes();
    }

    fn encrypt_v(&self) -> [u8; 16] {
        let mut block = Block::from(self.v);
        Aes256::new(&self.key.into()).encrypt_block(&mut block);
        block.into()
    }

    /// §10.2.1.2 CTR_DRBG_Update: three blocks of keystream, XORed with the provided data,
    /// become the new Key ‖ V.
    fn update(&mut self, provided_data: Option<&[u8; 48]>) {
        let mut temp = [0u8; 48];
        for chunk in temp.chunks_exact_mut(16) {
            self.increment_v();
            chunk.copy_from_slice(&self.encrypt_v());
        }
        if let Some(data) = provided_data {
            temp.iter_mut().zip(data).for_each(|(t, d)| *t ^= d);
        }
        self.key.copy_from_slice(&temp[..32]);
        self.v.copy_from_slice(&temp[32..]);
    }

    /// §10.2.1.5.1 Generate (`randombytes`): keystream blocks, then Update with no data.
    /// Each call ends with an Update, so two 32-byte calls differ from one 64-byte call.
    fn randombytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for chunk in out.chunks_mut(16) {
            self.increment_v();
            chunk.copy_from_slice(&self.encrypt_v()[..chunk.len()]);
        }
        self.update(None);
        out
    }
}

fn data(file: &str) -> String {
    let path = format!(
        "{}/tests/data/kyber1024_kat/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The entries of a `PQCgenKAT_kem` file: `name = value` lines, an entry per `count`.
fn entries(text: &str) -> Vec<Vec<(String, String)>> {
    let mut entries: Vec<Vec<(String, String)>> = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (name, value) = line
            .split_once(" =")
            .unwrap_or_else(|| panic!("bad line {line}"));
        if name == "count" {
            entries.push(Vec::new());
        }
        let entry = entries.last_mut().expect("a field before the first count");
        entry.push((name.to_string(), value.trim().to_string()));
    }
    entries
}

fn field<'a>(entry: &'a [(String, String)], name: &str) -> &'a str {
    &entry
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1
}

fn hex_field(entry: &[(String, String)], name: &str) -> Vec<u8> {
    hex::decode(field(entry, name)).unwrap()
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// `PQCgenKAT_kem.c`: the master DRBG is seeded with the bytes 0, 1, …, 47 and gives each
/// entry's 48-byte seed in turn. All 100 seeds of the `.req` file must come out.
#[test]
fn drbg_reproduces_the_kat_seeds() {
    let req = data("PQCkemKAT_3168.req");
    assert_eq!(
        sha256_hex(&req),
        "36c27b6089b8910733a01fea1136469769b3ca3c35f2b375cfcc592f2112cfaa"
    );
    let entries = entries(&req);
    assert_eq!(entries.len(), 100);
    let mut master = CtrDrbg::new(&core::array::from_fn(|i| i as u8));
    for (count, entry) in entries.iter().enumerate() {
        assert_eq!(field(entry, "count"), count.to_string());
        assert_eq!(
            master.randombytes::<48>().to_vec(),
            hex_field(entry, "seed"),
            "count {count}"
        );
    }
    println!("PQCkemKAT_3168.req: 100 seeds reproduced");
}

/// Per entry: seed the DRBG, draw `d`, `z`, `m` (32 bytes each, in the reference's order:
/// `indcpa_keypair`, then `crypto_kem_keypair`, then `crypto_kem_enc`), and compare the spec's
/// key pair, ciphertext and both parties' shared secrets with the file.
#[test]
fn kyber1024_round3_nist_kat() {
    let rsp = data("PQCkemKAT_3168_first25.rsp");
    assert_eq!(
        sha256_hex(&rsp),
        "ab2413d1b85ab9bffc358b24a0ef861db796e6c56e3e8f40f2427ad02466d2cf"
    );
    assert!(rsp.starts_with("# Kyber1024\n"));
    let entries = entries(&rsp);
    assert_eq!(
        entries.len(),
        25,
        "the committed prefix holds counts 0..=24"
    );
    let mut passed = 0;
    for (count, entry) in entries.iter().enumerate() {
        assert_eq!(field(entry, "count"), count.to_string());
        let seed: [u8; 48] = hex_field(entry, "seed").try_into().unwrap();
        let mut drbg = CtrDrbg::new(&seed);
        let d: [u8; 32] = drbg.randombytes();
        let z: [u8; 32] = drbg.randombytes();
        let m: [u8; 32] = drbg.randombytes();
        let mut d_z = [0u8; KEYGEN_SEED_LEN];
        d_z[..32].copy_from_slice(&d);
        d_z[32..].copy_from_slice(&z);

        let pair = kem::generate(Kem::Kyber1024, &d_z);
        let pk = [&[0x08][..], &hex_field(entry, "pk")].concat();
        assert_eq!(pair.public, pk, "count {count}: pk");
        assert_eq!(pair.secret, hex_field(entry, "sk"), "count {count}: sk");

        let ct = [&[0x08][..], &hex_field(entry, "ct")].concat();
        let ss: [u8; 32] = hex_field(entry, "ss").try_into().unwrap();
        assert_eq!(
            kem::encapsulate(&pair.public, &m),
            Ok((ct.clone(), ss)),
            "count {count}: enc"
        );
        assert_eq!(kem::decapsulate(&pair, &ct), Ok(ss), "count {count}: dec");
        passed += 1;
    }
    println!("PQCkemKAT_3168_first25.rsp: {passed} passed (pk, sk, ct, ss each)");
    assert_eq!(passed, 25);
}

/// The same entries are *not* ML-KEM answers: FIPS 203 changed key generation (domain
/// separation in G) and encapsulation (no hash of `m`), so with the same `d ‖ z` and `m`
/// ML-KEM-1024 must give a different key, ciphertext and secret. A spec that silently used
/// the wrong KEM for type 0x08 would pass the test above only if it were Kyber.
#[test]
fn kyber1024_kat_is_not_mlkem() {
    let entries = entries(&data("PQCkemKAT_3168_first25.rsp"));
    let entry = &entries[0];
    let mut drbg = CtrDrbg::new(&hex_field(entry, "seed").try_into().unwrap());
    let d_z: [u8; 64] = drbg
        .randombytes::<32>()
        .into_iter()
        .chain(drbg.randombytes::<32>())
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    let m: [u8; 32] = drbg.randombytes();
    let pair = kem::generate(Kem::MlKem1024, &d_z);
    assert_ne!(pair.public[1..], hex_field(entry, "pk")[..]);
    let (ct, ss) = kem::encapsulate(&pair.public, &m).unwrap();
    assert_ne!(ct[1..], hex_field(entry, "ct")[..]);
    assert_ne!(ss.to_vec(), hex_field(entry, "ss"));
}
