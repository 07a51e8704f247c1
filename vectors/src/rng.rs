//! Deterministic randomness for vectors, scripts and the spec-as-IUT: every random input of
//! the suite comes from here, so every run is reproducible from its seeds.

use sha2::{Digest, Sha256};

/// Deterministic randomness: SHA-256(seed || counter || block), the seed being SHA-256 of
/// the length-prefixed parts that name what it is for (e.g. a test id), so adding or
/// changing one vector never changes another.
pub struct Rng {
    seed: [u8; 32],
    counter: u64,
}

impl Rng {
    pub fn new(parts: &[&str]) -> Rng {
        let mut h = Sha256::new();
        h.update(b"e2ee-vectors v1");
        for p in parts {
            h.update((p.len() as u64).to_be_bytes());
            h.update(p.as_bytes());
        }
        Rng {
            seed: h.finalize().into(),
            counter: 0,
        }
    }

    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for (i, chunk) in out.chunks_mut(32).enumerate() {
            let block = Sha256::new()
                .chain_update(self.seed)
                .chain_update(self.counter.to_be_bytes())
                .chain_update((i as u64).to_be_bytes())
                .finalize();
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
        self.counter += 1;
        out
    }

    pub fn vec(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let block: [u8; 32] = self.bytes();
            out.extend_from_slice(&block[..(len - out.len()).min(32)]);
        }
        out
    }

    /// A number in 1..=max.
    pub fn below(&mut self, max: u32) -> u32 {
        let b: [u8; 4] = self.bytes();
        u32::from_be_bytes(b) % max + 1
    }
}

impl Rng {
    /// A generator named by a number (a run's `--seed`, a property case's seed).
    pub fn from_u64(seed: u64) -> Rng {
        Rng::new(&[&seed.to_string()])
    }

    /// `len` random bytes as lowercase hex (the shim protocol's byte encoding).
    pub fn hex(&mut self, len: usize) -> String {
        hex::encode(self.vec(len))
    }
}
