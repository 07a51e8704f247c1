//! Franking's committing-encryption vectors ("invisible salamanders", issue 17): for
//! AES-256-GCM and ChaCha20-Poly1305, one ciphertext ‖ tag that opens validly under two keys
//! to two different plaintexts (Dodis–Grubbs–Ristenpart–Woodage, CRYPTO 2018). A report that
//! names the ciphertext but not the key can then resolve to either message.
//!
//! A case is a layout: text regions readable under key 1, text regions readable under key 2,
//! and the free block(s) the solver chooses (`gcm::solve`, `chacha::solve`). A region of one
//! key decrypts to noise under the other; the free blocks are noise under both. Keys, nonce,
//! AAD and the solver's draws come from seeds named by the test id.

mod chacha;
mod gcm;
mod gf128;
mod p1305;

use super::{render, vector_file, Rng};
use crate::envelope::Verdict;
use crate::kat::{CommittingAeadTest, Group, AES_256_GCM, CHACHA20_POLY1305, FRANKING};
use e2ee_spec::crypto::{aes_gcm, chacha as chacha_aead};
use std::path::PathBuf;

/// The AEADs the file covers.
#[derive(Clone, Copy)]
enum Aead {
    AesGcm,
    ChaCha20Poly1305,
}

impl Aead {
    const ALL: [Aead; 2] = [Aead::AesGcm, Aead::ChaCha20Poly1305];

    fn name(self) -> &'static str {
        match self {
            Aead::AesGcm => AES_256_GCM,
            Aead::ChaCha20Poly1305 => CHACHA20_POLY1305,
        }
    }

    /// The part of a test id that names the AEAD.
    fn id(self) -> &'static str {
        match self {
            Aead::AesGcm => "aes_256_gcm",
            Aead::ChaCha20Poly1305 => "chacha20_poly1305",
        }
    }

    /// How many bytes the solver chooses.
    fn free_len(self) -> usize {
        match self {
            Aead::AesGcm => gcm::FREE_LEN,
            Aead::ChaCha20Poly1305 => chacha::FREE_LEN,
        }
    }

    fn keystream(self, key: &[u8; 32], nonce: &[u8; 12], len: usize) -> Vec<u8> {
        match self {
            Aead::AesGcm => gcm::keystream(key, nonce, len),
            Aead::ChaCha20Poly1305 => chacha::keystream(key, nonce, len),
        }
    }

    /// The spec's AEAD (RustCrypto), which every generated case must open under.
    fn open(self, key: &[u8; 32], nonce: &[u8; 12], aad: &[u8], ct: &[u8]) -> Option<Vec<u8>> {
        match self {
            Aead::AesGcm => aes_gcm::open(key, nonce, aad, ct).ok(),
            Aead::ChaCha20Poly1305 => chacha_aead::open(key, nonce, aad, ct).ok(),
        }
    }

    /// Fills the free bytes at `at` and returns the tag both keys agree on.
    fn solve(
        self,
        keys: [&[u8; 32]; 2],
        nonce: &[u8; 12],
        aad: &[u8],
        ct: &mut [u8],
        at: usize,
        rng: &mut Rng,
    ) -> Option<[u8; 16]> {
        match self {
            Aead::AesGcm => gcm::solve(keys, nonce, aad, ct, at),
            Aead::ChaCha20Poly1305 => chacha::solve(keys, nonce, aad, ct, at, rng),
        }
    }

    /// What the solve is, for comments.
    fn how(self) -> &'static str {
        match self {
            Aead::AesGcm => "one block, chosen by a division in GF(2^128) so that both GHASH tags agree",
            Aead::ChaCha20Poly1305 => "two blocks, chosen by a 2x2 linear solve mod 2^130 - 5 so that both Poly1305 accumulators give one tag",
        }
    }
}

/// One region of a colliding ciphertext.
#[derive(Clone, Copy)]
enum Part {
    /// Bytes the plaintext under key 1 has here.
    One(&'static [u8]),
    /// Bytes the plaintext under key 2 has here.
    Two(&'static [u8]),
    /// The solver's block(s), at the next multiple of 16: the region before is padded with
    /// spaces (under its own key) up to it.
    Free,
}

/// A layout and what it shows.
struct Case {
    name: &'static str,
    comment: &'static str,
    /// Length of the AAD (drawn from the seed), 0 for none.
    aad_len: usize,
    parts: &'static [Part],
}

/// A JPEG start: SOI, then a JFIF APP0 segment (JFIF 1.02: "JFIF\0", version 1.02, no
/// density unit, 1:1, no thumbnail).
const JFIF_HEADER: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00";
/// A PDF start. Acrobat accepts the header anywhere in the first 1024 bytes (an implementation
/// note of the PDF Reference on §3.4.1 "File Header"), the kind of freedom Albertini et al.
/// 2022 use to build files that are meaningful under both keys.
const PDF_HEADER: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";

const CASES: &[Case] = &[
    Case {
        name: "short_texts",
        comment: "two short texts, no AAD",
        aad_len: 0,
        parts: &[
            Part::One(b"Lunch tomorrow? The usual place at noon."),
            Part::Two(b"Claim your prize now: http://prize.invalid/"),
            Part::Free,
        ],
    },
    Case {
        name: "short_texts_with_aad",
        comment: "two short texts under 32 bytes of AAD (say, an attachment's metadata)",
        aad_len: 32,
        parts: &[
            Part::One(b"Happy birthday! Photos from the party attached."),
            Part::Two(b"Your account is locked. Log in at http://bank.invalid/"),
            Part::Free,
        ],
    },
    Case {
        name: "free_block_first",
        comment: "the free block(s) first, then two texts ending in a partial block, 5 bytes of AAD",
        aad_len: 5,
        parts: &[
            Part::Free,
            Part::One(b"ok, see you there!"),
            Part::Two(b"Send the code you just got by SMS."),
        ],
    },
    Case {
        name: "file_headers",
        comment: "two file headers: a JPEG (JFIF) start under key 1, a PDF start under key 2 at an offset below 1024",
        aad_len: 0,
        parts: &[
            Part::One(JFIF_HEADER),
            Part::Two(PDF_HEADER),
            Part::Free,
        ],
    },
    Case {
        name: "long_texts",
        comment: "longer texts around the free block(s), 13 bytes of AAD, a partial last block",
        aad_len: 13,
        parts: &[
            Part::One(b"Hi all, the minutes of today's meeting: budget approved, the launch moves to \
March, and Kim takes over the release notes. Next meeting is on Thursday at 10 in room B. Thanks!"),
            Part::Free,
            Part::Two(b"URGENT: your mailbox is full and will be deleted tonight. Keep your mail \
by entering your password at http://mail.invalid/keep within 2 hours."),
        ],
    },
];

/// The control case: the collision of this case, opened under a third key.
const CONTROL_CASE: &str = "short_texts";

/// A collision: the ciphertext ‖ tag, and the byte ranges each key shows text in.
struct Collision {
    ct: Vec<u8>,
    regions: [Vec<(usize, usize)>; 2],
    free_at: usize,
}

/// Builds the layout's ciphertext: every text region is the text XOR its key's stream, the
/// free bytes are the solver's, and the tag is the one both keys agree on.
fn collide(
    aead: Aead,
    keys: [&[u8; 32]; 2],
    nonce: &[u8; 12],
    aad: &[u8],
    parts: &[Part],
    rng: &mut Rng,
) -> Collision {
    // The plaintext each key shows, where it shows one; `None` elsewhere.
    let mut wanted: Vec<(u8, Option<usize>)> = Vec::new();
    let mut regions: [Vec<(usize, usize)>; 2] = [Vec::new(), Vec::new()];
    let mut free_at = None;
    let mut last = None;
    for part in parts {
        match *part {
            Part::One(text) | Part::Two(text) => {
                let k = usize::from(matches!(part, Part::Two(_)));
                regions[k].push((wanted.len(), wanted.len() + text.len()));
                wanted.extend(text.iter().map(|&b| (b, Some(k))));
                last = Some(k);
            }
            Part::Free => {
                while !wanted.len().is_multiple_of(16) {
                    let k = last.expect("a region precedes unaligned bytes");
                    regions[k].last_mut().expect("a region").1 += 1;
                    wanted.push((b' ', Some(k)));
                }
                free_at = Some(wanted.len());
                wanted.extend(std::iter::repeat_n((0, None), aead.free_len()));
            }
        }
    }
    let free_at = free_at.expect("a layout has free bytes");
    let streams = keys.map(|k| aead.keystream(k, nonce, wanted.len()));
    let mut ct: Vec<u8> = wanted
        .iter()
        .enumerate()
        .map(|(i, &(b, k))| k.map_or(0, |k| b ^ streams[k][i]))
        .collect();
    let tag = aead
        .solve(keys, nonce, aad, &mut ct, free_at, rng)
        .expect("the seeded keys admit a collision");
    ct.extend_from_slice(&tag);
    Collision {
        ct,
        regions,
        free_at,
    }
}

fn h(b: &[u8]) -> String {
    hex::encode(b)
}

fn ranges(r: &[(usize, usize)]) -> String {
    r.iter()
        .map(|(a, b)| format!("{a}..{b}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The valid test of one case and AEAD.
fn valid(aead: Aead, case: &Case) -> CommittingAeadTest {
    let tc_id = format!("salamander.{}.{}", aead.id(), case.name);
    let mut rng = Rng::new(&[FRANKING, "committing_aead", &tc_id]);
    let (key1, key2) = (rng.bytes::<32>(), rng.bytes::<32>());
    let nonce = rng.bytes::<12>();
    let aad = rng.vec(case.aad_len);
    let c = collide(aead, [&key1, &key2], &nonce, &aad, case.parts, &mut rng);
    let pt1 = aead
        .open(&key1, &nonce, &aad, &c.ct)
        .expect("opens under key 1");
    let pt2 = aead
        .open(&key2, &nonce, &aad, &c.ct)
        .expect("opens under key 2");
    assert_ne!(pt1, pt2, "{tc_id}: two different plaintexts");
    let comment = format!(
        "{}: {}-byte ciphertext that opens under key1 (pt1 shows its text at bytes {}) and \
         under key2 (pt2 at bytes {}); bytes {}..{} are the solver's: {}",
        case.comment,
        c.ct.len() - 16,
        ranges(&c.regions[0]),
        ranges(&c.regions[1]),
        c.free_at,
        c.free_at + aead.free_len(),
        aead.how()
    );
    CommittingAeadTest {
        tc_id,
        comment,
        flags: vec!["NonCommittingAead".into()],
        aead: aead.name().into(),
        key1: h(&key1),
        key2: h(&key2),
        nonce: h(&nonce),
        aad: h(&aad),
        ct: h(&c.ct),
        pt1: h(&pt1),
        pt2: Some(h(&pt2)),
        result: Verdict::Valid,
    }
}

/// The control: `of`'s ciphertext under key 1 and a third key, under which it must fail.
fn third_key(aead: Aead, of: &CommittingAeadTest) -> CommittingAeadTest {
    let tc_id = format!("salamander.{}.third_key", aead.id());
    let mut rng = Rng::new(&[FRANKING, "committing_aead", &tc_id]);
    let key3 = rng.bytes::<32>();
    let (nonce, aad, ct) = (
        hex_array(&of.nonce),
        hex::decode(&of.aad).expect("hex"),
        hex::decode(&of.ct).expect("hex"),
    );
    assert!(
        aead.open(&key3, &nonce, &aad, &ct).is_none(),
        "{tc_id}: a third key must fail"
    );
    CommittingAeadTest {
        tc_id,
        comment: format!(
            "the ciphertext of {} under key1 (opens to pt1) and a third, unrelated key as key2 \
             (must fail): the collision holds for the two keys it was built for only",
            of.tc_id
        ),
        flags: vec!["CollisionThirdKey".into()],
        key2: h(&key3),
        pt2: None,
        result: Verdict::Invalid,
        ..of.clone()
    }
}

/// The AES-256-GCM collision of the case franking's attachment vectors use
/// (`generate/franking.rs`): a JPEG start under key 1, a PDF start under key 2, and no AAD,
/// as an attachment is encrypted without.
pub(super) fn aes_gcm_attachment() -> CommittingAeadTest {
    let case = CASES
        .iter()
        .find(|c| c.name == "file_headers")
        .expect("the file-headers case");
    assert_eq!(case.aad_len, 0, "attachments are encrypted without AAD");
    valid(Aead::AesGcm, case)
}

fn hex_array<const N: usize>(s: &str) -> [u8; N] {
    hex::decode(s).expect("hex").try_into().expect("length")
}

/// `franking/kat_committing_aead.json`.
pub fn file() -> (PathBuf, String) {
    let mut tests = Vec::new();
    for aead in Aead::ALL {
        let mut control = None;
        for case in CASES {
            let test = valid(aead, case);
            if case.name == CONTROL_CASE {
                control = Some(third_key(aead, &test));
            }
            tests.push(test);
        }
        tests.push(control.expect("the control case is a case"));
    }
    let groups = vec![Group {
        group_type: "CommittingAeadTest".into(),
        info: None,
        tests,
    }];
    let file = vector_file(
        "AEAD-KeyCommitment",
        FRANKING,
        "committing_aead.schema.json",
        &[
            "One ciphertext (ct, with its 16-byte tag) that opens validly under key1 to pt1 and under key2 to pt2: AES-256-GCM and ChaCha20-Poly1305 do not commit to their key (Dodis-Grubbs-Ristenpart-Woodage, CRYPTO 2018, \"invisible salamanders\").",
            "A franking report that names a ciphertext (an attachment) but not the key it was opened with can resolve to the other message; the franking layer must commit to the key itself.",
            "valid: opens under both keys to the two plaintexts. invalid: opens under key1 to pt1 and must not open under key2.",
            "Built by vectors/src/generate/salamander/ (see vectors/README.md, \"Franking / committing encryption\").",
        ],
        groups,
    );
    (
        PathBuf::from(FRANKING).join("kat_committing_aead.json"),
        render(&file),
    )
}
