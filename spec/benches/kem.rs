//! The PQXDH KEMs (`e2ee_spec::crypto::kem`, libcrux-ml-kem 0.0.11 portable build) on this
//! 2-core machine: key generation, encapsulation and decapsulation for Kyber1024 and
//! ML-KEM-1024. Each operation is measured on its own; encapsulation includes the
//! deserialization of the public key and, for ML-KEM, FIPS 203's modulus check.
//!
//! One run (2026-12-02, `-- --warm-up-time 1 --measurement-time 3`, load average ≈ 5 on the
//! 2 shared cores, so read them as ±10 %), criterion medians:
//! Kyber1024 keygen / encaps / decaps 55.9 / 58.1 / 66.9 µs; ML-KEM-1024 54.4 / 49.2 / 59.7 µs.
//! For scale (DESIGN.md): one X25519 DH is 52.8 µs, so PQXDH's KEM costs about one DH per
//! operation.

use criterion::{criterion_group, criterion_main, Criterion};
use e2ee_spec::crypto::kem::{self, Kem};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    for kem_id in Kem::ALL {
        let name = match kem_id {
            Kem::Kyber1024 => "kyber1024",
            Kem::MlKem1024 => "mlkem1024",
        };
        let seed = [0x11u8; 64];
        let m = [0x22u8; 32];
        let pair = kem::generate(kem_id, &seed);
        let (ct, _) = kem::encapsulate(&pair.public, &m).unwrap();
        c.bench_function(&format!("kem/{name}/keygen"), |b| {
            b.iter(|| kem::generate(kem_id, black_box(&seed)))
        });
        c.bench_function(&format!("kem/{name}/encaps"), |b| {
            b.iter(|| kem::encapsulate(black_box(&pair.public), black_box(&m)).unwrap())
        });
        c.bench_function(&format!("kem/{name}/decaps"), |b| {
            b.iter(|| kem::decapsulate(black_box(&pair), black_box(&ct)).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
