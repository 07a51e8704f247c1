//! Known-answer tests from the documents themselves (typed from the RFC texts, independent of
//! Wycheproof), XEdDSA known answers and rejections, and property tests (no function panics on
//! any input; round trips).

use e2ee_spec::crypto::{aes_cbc, aes_gcm, chacha, kdf, x25519, xeddsa, CryptoError};
use proptest::prelude::*;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace([' ', '\n'], "")).unwrap()
}

fn h32(s: &str) -> [u8; 32] {
    h(s).try_into().unwrap()
}

fn h64(s: &str) -> [u8; 64] {
    h(s).try_into().unwrap()
}

// ---------------------------------------------------------------------------------------------
// RFC 7748

/// RFC 7748 §5.2, the two single-scalar-multiplication vectors. (The second input u-coordinate
/// has its top bit set, which §5 masks.)
#[test]
fn rfc7748_5_2_vectors() {
    let cases = [
        (
            "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
            "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
            "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
        ),
        (
            "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
            "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
            "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
        ),
    ];
    for (scalar, u, out) in cases {
        assert_eq!(x25519::dh(&h32(scalar), &h32(u)), Ok(h32(out)));
    }
}

/// RFC 7748 §5.2, the iterated vector after 1 and 1,000 iterations (k, u <- X25519(k, u), k).
#[test]
fn rfc7748_5_2_iterated() {
    let mut k = [0u8; 32];
    k[0] = 9;
    let mut u = k;
    for i in 1..=1000 {
        let next = x25519::dh(&k, &u).unwrap();
        u = k;
        k = next;
        if i == 1 {
            assert_eq!(
                k,
                h32("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")
            );
        }
    }
    assert_eq!(
        k,
        h32("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")
    );
}

/// RFC 7748 §6.1, the Diffie-Hellman example.
#[test]
fn rfc7748_6_1_diffie_hellman() {
    let alice = h32("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    let alice_pub = h32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    let bob = h32("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    let bob_pub = h32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    let shared = h32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    assert_eq!(x25519::public_key(&alice), alice_pub);
    assert_eq!(x25519::public_key(&bob), bob_pub);
    assert_eq!(x25519::dh(&alice, &bob_pub), Ok(shared));
    assert_eq!(x25519::dh(&bob, &alice_pub), Ok(shared));
}

/// RFC 7748 §6.1: a low-order public key (here u = 0 and u = 1) gives the all-zero secret, which
/// `dh` refuses.
#[test]
fn x25519_low_order_refused() {
    let k = [0x42; 32];
    let mut one = [0u8; 32];
    one[0] = 1;
    assert_eq!(x25519::dh(&k, &[0; 32]), Err(CryptoError::LowOrderPoint));
    assert_eq!(x25519::dh(&k, &one), Err(CryptoError::LowOrderPoint));
}

// ---------------------------------------------------------------------------------------------
// RFC 8439

/// RFC 8439 §2.8.2, the AEAD example.
#[test]
fn rfc8439_2_8_2_aead() {
    let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    let aad = h("50515253c0c1c2c3c4c5c6c7");
    let key = h32("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    let nonce: [u8; 12] = h("070000004041424344454647").try_into().unwrap();
    let mut expected = h(
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6
        3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36
        92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
        3ff4def08e4b7a9de576d26586cec64b6116",
    );
    expected.extend(h("1ae10b594f09e26a7e902ecbd0600691"));
    assert_eq!(chacha::seal(&key, &nonce, &aad, plaintext), expected);
    assert_eq!(
        chacha::open(&key, &nonce, &aad, &expected),
        Ok(plaintext.to_vec())
    );
    let mut tampered = expected.clone();
    tampered[0] ^= 1;
    assert_eq!(
        chacha::open(&key, &nonce, &aad, &tampered),
        Err(CryptoError::AuthFailure)
    );
    assert_eq!(
        chacha::open(&key, &nonce, b"", &expected),
        Err(CryptoError::AuthFailure)
    );
    assert_eq!(
        chacha::open(&key, &nonce, &aad, &expected[..15]),
        Err(CryptoError::AuthFailure)
    );
}

// ---------------------------------------------------------------------------------------------
// RFC 5869 (HKDF-SHA-256). PRK = HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (§2.2) is checked
// through `hmac_sha256`.

fn range(from: u8, to: u8) -> Vec<u8> {
    (from..=to).collect()
}

#[test]
fn rfc5869_a1() {
    let (ikm, salt, info) = ([0x0b; 22], range(0x00, 0x0c), range(0xf0, 0xf9));
    let prk = h("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    let okm =
        h("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    assert_eq!(kdf::hmac_sha256(&salt, &ikm).to_vec(), prk);
    assert_eq!(kdf::hkdf_sha256(&salt, &ikm, &info, 42), Ok(okm));
}

#[test]
fn rfc5869_a2() {
    let (ikm, salt, info) = (range(0x00, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff));
    let prk = h("06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244");
    let okm = h(
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c
        59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71
        cc30c58179ec3e87c14c01d5c1f3434f1d87",
    );
    assert_eq!(kdf::hmac_sha256(&salt, &ikm).to_vec(), prk);
    assert_eq!(kdf::hkdf_sha256(&salt, &ikm, &info, 82), Ok(okm));
}

/// A.3: no salt and no info. The empty salt means HashLen zero bytes.
#[test]
fn rfc5869_a3() {
    let ikm = [0x0b; 22];
    let prk = h("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
    let okm =
        h("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    assert_eq!(kdf::hmac_sha256(&[0; 32], &ikm).to_vec(), prk);
    assert_eq!(kdf::hkdf_sha256(&[], &ikm, &[], 42), Ok(okm.clone()));
    assert_eq!(kdf::hkdf_sha256(&[0; 32], &ikm, &[], 42), Ok(okm));
}

/// RFC 5869 §2.3: L <= 255 * HashLen.
#[test]
fn hkdf_length_bound() {
    assert_eq!(
        kdf::hkdf_sha256(b"s", b"k", b"i", 255 * 32).map(|v| v.len()),
        Ok(8160)
    );
    assert_eq!(
        kdf::hkdf_sha256(b"s", b"k", b"i", 255 * 32 + 1),
        Err(CryptoError::OutputTooLong)
    );
    assert_eq!(
        kdf::hkdf_sha256(b"s", b"k", b"i", usize::MAX),
        Err(CryptoError::OutputTooLong)
    );
    assert_eq!(kdf::hkdf_sha256(b"s", b"k", b"i", 0), Ok(vec![]));
}

// ---------------------------------------------------------------------------------------------
// RFC 4231 (HMAC-SHA-256)

#[test]
fn rfc4231_hmac_sha256() {
    let aa131 = [0xaa; 131];
    let cases: [(&[u8], &[u8], &str); 6] = [
        // Test case 1
        (&[0x0b; 20], b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        // Test case 2
        (b"Jefe", b"what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        // Test case 3
        (&[0xaa; 20], &[0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        // Test case 4
        (
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25],
            &[0xcd; 50],
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        ),
        // Test case 6
        (&aa131, b"Test Using Larger Than Block-Size Key - Hash Key First", "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        // Test case 7
        (
            &aa131,
            b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        ),
    ];
    for (key, data, tag) in cases {
        assert_eq!(kdf::hmac_sha256(key, data), h32(tag));
        assert_eq!(
            kdf::verify_hmac_sha256_truncated(key, data, &h(tag)),
            Ok(())
        );
    }
}

/// RFC 4231 test case 5: the tag truncated to 128 bits.
#[test]
fn rfc4231_case5_truncated() {
    let (key, data) = ([0x0c; 20], b"Test With Truncation");
    let tag = h("a3b6167473100ee06e0c796c2955552b");
    assert_eq!(kdf::hmac_sha256(&key, data)[..16], tag[..]);
    assert_eq!(kdf::verify_hmac_sha256_truncated(&key, data, &tag), Ok(()));
    assert_eq!(
        kdf::verify_hmac_sha256_truncated(&key, data, &tag[..8]),
        Ok(())
    );
    let mut bad = tag.clone();
    bad[15] ^= 0x80;
    assert_eq!(
        kdf::verify_hmac_sha256_truncated(&key, data, &bad),
        Err(CryptoError::AuthFailure)
    );
    assert_eq!(
        kdf::verify_hmac_sha256_truncated(&key, data, &[]),
        Err(CryptoError::InvalidLength)
    );
    assert_eq!(
        kdf::verify_hmac_sha256_truncated(&key, data, &[0; 33]),
        Err(CryptoError::InvalidLength)
    );
}

// ---------------------------------------------------------------------------------------------
// AES-256-CBC / PKCS#7 edge cases (the Wycheproof file covers the known answers)

#[test]
fn aes_cbc_lengths_and_padding() {
    let (key, iv) = ([7; 32], [9; 16]);
    assert_eq!(aes_cbc::encrypt(&key, &iv, b"").len(), 16);
    assert_eq!(aes_cbc::encrypt(&key, &iv, &[0; 16]).len(), 32);
    assert_eq!(
        aes_cbc::decrypt(&key, &iv, &[]),
        Err(CryptoError::InvalidLength)
    );
    assert_eq!(
        aes_cbc::decrypt(&key, &iv, &[0; 17]),
        Err(CryptoError::InvalidLength)
    );
    // A block whose last plaintext byte is 0 cannot be PKCS#7: encrypt 16 zero bytes and keep
    // only the first ciphertext block, which decrypts to those zeros.
    let ct = aes_cbc::encrypt(&key, &iv, &[0; 16]);
    assert_eq!(
        aes_cbc::decrypt(&key, &iv, &ct[..16]),
        Err(CryptoError::BadPadding)
    );
}

// ---------------------------------------------------------------------------------------------
// XEdDSA

/// libsignal-protocol-c, `curvesigs_fast_test` in
/// signalapp/libsignal-protocol-c `src/curve25519/ed25519/tests/internal_fast_tests.c`
/// (commit e5eb4017c1f45d50fca77d2396283a01104860fa): `curve25519_sign`, the algorithm libsignal
/// (Rust) still uses, with private key `privkey[8] = 189` then clamped, a 200-byte zero message
/// and 64 zero random bytes. The public key is the one the same test's `curve25519_keygen` gives
/// (also stated as `CURVE25519_PUBKEY_OUT_CORRECT` in other bindings of that code).
#[test]
fn xeddsa_kat_libsignal_protocol_c_curvesig() {
    let mut k = [0u8; 32];
    k[8] = 189;
    let public = h32("5995f464e9d34d5ca56b9905b9a3cc37c456b2d8d313edbcf584b705b5c04955");
    let signature = h64(
        "cf873d0379ac20e8893e5567ee0f8951f8db840d26b243b463526689d01ca718
         ac189fb1678574ebdde5693306594 48b0bd6c1973f7d780ab39518626803d782",
    );
    let message = [0u8; 200];
    assert_eq!(x25519::public_key(&k), public);
    assert_eq!(xeddsa::sign(&k, &message, &[0; 64]), signature);
    assert_eq!(xeddsa::verify(&public, &message, &signature), Ok(()));
    let mut flipped = signature;
    flipped[0] ^= 1;
    assert_eq!(
        xeddsa::verify(&public, &message, &flipped),
        Err(CryptoError::BadSignature)
    );
}

/// Same file, `xeddsa_fast_test`: `xed25519_sign`, which follows the XEdDSA document (sign bit
/// forced to 0, `a` negated). Our `sign` is libsignal's variant, so only verification applies:
/// a signature made as the document prescribes must verify here, as it does in libsignal. The
/// test's "verify #3" (public key 0xff..ff) must fail.
#[test]
fn xeddsa_kat_libsignal_protocol_c_xed25519() {
    let public = h32("5995f464e9d34d5ca56b9905b9a3cc37c456b2d8d313edbcf584b705b5c04955");
    let signature = h64(
        "11c7f3e6c4df9e8a5150e1db3b30f92de3a3b3aa438656545fa7390f4bcc7bb2
         6c431d9e90643e4f0eaa0e9c557766fa69ada576d63dcaf2ac326c11d0b97702",
    );
    let message = [0u8; 200];
    assert_eq!(xeddsa::verify(&public, &message, &signature), Ok(()));
    let mut flipped = signature;
    flipped[0] ^= 1;
    assert_eq!(
        xeddsa::verify(&public, &message, &flipped),
        Err(CryptoError::BadSignature)
    );
    assert_eq!(
        xeddsa::verify(&[0xff; 32], &message, &signature),
        Err(CryptoError::BadSignature)
    );
}

/// signalapp/libsignal `rust/core/src/curve/curve25519.rs`, `test_signature`: a signature whose
/// top bit (the Edwards sign bit, libsignal's departure from the document) is set. It verifies,
/// and flipping the low bit of any byte makes it fail, as in that test.
#[test]
fn xeddsa_kat_libsignal_rust() {
    let private = h32("c097248412e58bf05df4879682051327 94178e367637f5818f81e0e6ce73e865");
    let public = h32("ab7e717d4a163b7d9a1d8071dfe9dcf8cdcd1cea3339b6356be84d887e322c64");
    let message = h("05edce9d9c415ca78cb7252e72c2c4a554d3eb29485a0e1d503118d1a82d99fb4a");
    let signature = h64(
        "5de88ca9a89b4a115da79109c67c9c7464a3e4180274f1cb8c63c2984e286dfb
         ede82deb9dcd9fae0bfbb821569b3d9001bd8130cd11d486cef047bd60b86e88",
    );
    assert_eq!(x25519::public_key(&private), public);
    assert_eq!(
        signature[63] & 0x80,
        0x80,
        "this vector exercises the sign bit"
    );
    assert_eq!(xeddsa::verify(&public, &message, &signature), Ok(()));
    for i in 0..64 {
        let mut flipped = signature;
        flipped[i] ^= 1;
        assert_eq!(
            xeddsa::verify(&public, &message, &flipped),
            Err(CryptoError::BadSignature),
            "byte {i}"
        );
    }
}

/// Group order q (XEdDSA §5, RFC 8032 `L`), little-endian.
const Q: &str = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
/// Field prime p = 2^255 - 19, little-endian.
const P: &str = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";

/// The acceptance rule of libsignal's `verify_signature` (signalapp/libsignal
/// `rust/core/src/curve/curve25519.rs`), restated from its behaviour to show which forgeries it
/// would take: `u` is reduced mod p (bit 255 ignored), the sign bit comes from the signature,
/// `s` must be below 2^253 but is then reduced mod q.
fn libsignal_rule_accepts(u: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    use curve25519_dalek::{montgomery::MontgomeryPoint, EdwardsPoint, Scalar};
    use sha2::{Digest, Sha512};
    let Some(a) = MontgomeryPoint(*u).to_edwards(signature[63] >> 7) else {
        return false;
    };
    let mut s: [u8; 32] = signature[32..].try_into().unwrap();
    s[31] &= 0x7f;
    if s[31] & 0x60 != 0 {
        return false;
    }
    let digest = Sha512::new()
        .chain_update(&signature[..32])
        .chain_update(a.compress().as_bytes())
        .chain_update(message)
        .finalize();
    let h = Scalar::from_bytes_mod_order_wide(&digest.into());
    let r = EdwardsPoint::vartime_double_scalar_mul_basepoint(
        &h,
        &-a,
        &Scalar::from_bytes_mod_order(s),
    );
    r.compress().as_bytes()[..] == signature[..32]
}

/// `x + y` for 32-byte little-endian integers (the tests only add values that do not overflow).
fn add(x: &[u8], y: &[u8]) -> [u8; 32] {
    let mut sum = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let t = u16::from(x[i]) + u16::from(y[i]) + carry;
        sum[i] = t as u8;
        carry = t >> 8;
    }
    assert_eq!(carry, 0);
    sum
}

fn fixed_signature() -> ([u8; 32], Vec<u8>, [u8; 64]) {
    let k = [0x5a; 32];
    let message = b"signed prekey".to_vec();
    let signature = xeddsa::sign(&k, &message, &[0x33; 64]);
    (x25519::public_key(&k), message, signature)
}

#[test]
fn xeddsa_rejects_wrong_key_and_message() {
    let (public, message, signature) = fixed_signature();
    assert_eq!(xeddsa::verify(&public, &message, &signature), Ok(()));
    let other = x25519::public_key(&[0x5b; 32]);
    assert_eq!(
        xeddsa::verify(&other, &message, &signature),
        Err(CryptoError::BadSignature)
    );
    assert_eq!(
        xeddsa::verify(&public, b"signed prekeY", &signature),
        Err(CryptoError::BadSignature)
    );
    assert_eq!(
        xeddsa::verify(&public, b"", &signature),
        Err(CryptoError::BadSignature)
    );
}

#[test]
fn xeddsa_rejects_every_bit_flip() {
    let (public, message, signature) = fixed_signature();
    for bit in 0..512 {
        let mut flipped = signature;
        flipped[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            xeddsa::verify(&public, &message, &flipped),
            Err(CryptoError::BadSignature),
            "bit {bit}"
        );
    }
    for bit in 0..256 {
        let mut u = public;
        u[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            xeddsa::verify(&u, &message, &signature),
            Err(CryptoError::BadSignature),
            "key bit {bit}"
        );
    }
}

/// `s + q` (same value mod q, non-canonical) is refused, though libsignal, which reduces `s`,
/// would accept it when `s + q < 2^253`. Found for several keys, so both sign bits are covered.
#[test]
fn xeddsa_rejects_non_canonical_s() {
    let (mut sign_bits, mut below_2_253) = (0u8, 0);
    for seed in 0u8..8 {
        let k = [seed; 32];
        let public = x25519::public_key(&k);
        let signature = xeddsa::sign(&k, b"m", &[seed; 64]);
        let sign_bit = signature[63] & 0x80;
        let mut s = signature[32..].to_vec();
        s[31] &= 0x7f;
        let mut forged = signature;
        forged[32..].copy_from_slice(&add(&s, &h(Q)));
        forged[63] |= sign_bit;
        sign_bits |= 1 << (sign_bit >> 7);
        if forged[63] & 0x60 == 0 {
            below_2_253 += 1;
            assert!(libsignal_rule_accepts(&public, b"m", &forged));
        }
        assert_eq!(xeddsa::verify(&public, b"m", &signature), Ok(()));
        assert_eq!(
            xeddsa::verify(&public, b"m", &forged),
            Err(CryptoError::BadSignature),
            "seed {seed}"
        );
        // s with any of bits 253..=254 set is refused too (XEdDSA §3: s >= 2^|q|).
        let mut high = signature;
        high[63] |= 0x20;
        assert_eq!(
            xeddsa::verify(&public, b"m", &high),
            Err(CryptoError::BadSignature)
        );
    }
    assert_eq!(sign_bits, 0b11, "both sign bits covered");
    assert!(below_2_253 > 0, "some s + q < 2^253 covered");
}

/// `u >= p` is refused (XEdDSA §3): `u + p`, `p` itself, and `u + 2^255` (the top bit set),
/// which libsignal accepts because it ignores bit 255; also `p - 1` (= -1, which has no Edwards
/// point) is refused.
#[test]
fn xeddsa_rejects_non_canonical_u() {
    let (public, message, signature) = fixed_signature();
    let plus_p = add(&public, &h(P));
    assert_eq!(
        xeddsa::verify(&plus_p, &message, &signature),
        Err(CryptoError::BadSignature)
    );
    let mut top = public;
    top[31] |= 0x80;
    assert!(libsignal_rule_accepts(&top, &message, &signature));
    assert_eq!(
        xeddsa::verify(&top, &message, &signature),
        Err(CryptoError::BadSignature)
    );
    assert_eq!(
        xeddsa::verify(&h32(P), &message, &signature),
        Err(CryptoError::BadSignature)
    );
    let mut minus_one = h32(P);
    minus_one[0] -= 1;
    assert_eq!(
        xeddsa::verify(&minus_one, &message, &signature),
        Err(CryptoError::BadSignature)
    );
}

// ---------------------------------------------------------------------------------------------
// Properties

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn xeddsa_sign_then_verify(k in any::<[u8; 32]>(), message in bytes(300), z in any::<[u8; 32]>(), z2 in any::<[u8; 32]>()) {
        let mut random = [0u8; 64];
        random[..32].copy_from_slice(&z);
        random[32..].copy_from_slice(&z2);
        let signature = xeddsa::sign(&k, &message, &random);
        prop_assert_eq!(xeddsa::verify(&x25519::public_key(&k), &message, &signature), Ok(()));
    }

    #[test]
    fn x25519_agreement(a in any::<[u8; 32]>(), b in any::<[u8; 32]>()) {
        let ab = x25519::dh(&a, &x25519::public_key(&b));
        prop_assert_eq!(ab, x25519::dh(&b, &x25519::public_key(&a)));
        prop_assert!(ab.is_ok());
    }

    #[test]
    fn chacha_round_trip(key in any::<[u8; 32]>(), nonce in any::<[u8; 12]>(), aad in bytes(64), pt in bytes(300)) {
        let sealed = chacha::seal(&key, &nonce, &aad, &pt);
        prop_assert_eq!(sealed.len(), pt.len() + chacha::TAG_LEN);
        prop_assert_eq!(chacha::open(&key, &nonce, &aad, &sealed), Ok(pt));
    }

    #[test]
    fn aes_gcm_round_trip(key in any::<[u8; 32]>(), nonce in any::<[u8; 12]>(), aad in bytes(64), pt in bytes(300)) {
        let sealed = aes_gcm::seal(&key, &nonce, &aad, &pt);
        prop_assert_eq!(sealed.len(), pt.len() + aes_gcm::TAG_LEN);
        prop_assert_eq!(aes_gcm::open(&key, &nonce, &aad, &sealed), Ok(pt));
    }

    #[test]
    fn aes_cbc_round_trip(key in any::<[u8; 32]>(), iv in any::<[u8; 16]>(), pt in bytes(300)) {
        let ct = aes_cbc::encrypt(&key, &iv, &pt);
        prop_assert_eq!(ct.len(), (pt.len() / 16 + 1) * 16);
        prop_assert_eq!(aes_cbc::decrypt(&key, &iv, &ct), Ok(pt));
    }

    #[test]
    fn hkdf_output_length(salt in bytes(80), ikm in bytes(80), info in bytes(80), len in 0usize..9000) {
        match kdf::hkdf_sha256(&salt, &ikm, &info, len) {
            Ok(okm) => prop_assert!(len <= 8160 && okm.len() == len),
            Err(e) => prop_assert!(len > 8160 && e == CryptoError::OutputTooLong),
        }
    }

    #[test]
    fn hmac_truncated_prefixes_verify(key in bytes(200), data in bytes(200), n in 1usize..=32) {
        let tag = kdf::hmac_sha256(&key, &data);
        prop_assert_eq!(kdf::verify_hmac_sha256_truncated(&key, &data, &tag[..n]), Ok(()));
    }

    /// The `hax_lib::ensures` contracts of both AEADs' `open`, `decrypt` and `verify_hmac_sha256_truncated`,
    /// checked at run time on arbitrary and on genuine inputs (the contracts of `seal`,
    /// `encrypt` and `hkdf_sha256` are checked by the round-trip and length properties above).
    #[test]
    fn contracts_hold(key in any::<[u8; 32]>(), n12 in any::<[u8; 12]>(), n16 in any::<[u8; 16]>(), x in bytes(100), y in bytes(100), genuine in any::<bool>()) {
        let sealed = if genuine { chacha::seal(&key, &n12, &y, &x) } else { x.clone() };
        match chacha::open(&key, &n12, &y, &sealed) {
            Ok(pt) => prop_assert_eq!(pt.len() + chacha::TAG_LEN, sealed.len()),
            Err(e) => prop_assert_eq!(e, CryptoError::AuthFailure),
        }
        let sealed = if genuine { aes_gcm::seal(&key, &n12, &y, &x) } else { x.clone() };
        match aes_gcm::open(&key, &n12, &y, &sealed) {
            Ok(pt) => prop_assert_eq!(pt.len() + aes_gcm::TAG_LEN, sealed.len()),
            Err(e) => prop_assert_eq!(e, CryptoError::AuthFailure),
        }
        let ct = if genuine { aes_cbc::encrypt(&key, &n16, &x) } else { x.clone() };
        if let Ok(pt) = aes_cbc::decrypt(&key, &n16, &ct) {
            prop_assert!(pt.len() < ct.len() && ct.len() - pt.len() <= aes_cbc::BLOCK_LEN);
        }
        let tag = if genuine { kdf::hmac_sha256(&key, &x)[..y.len().min(32)].to_vec() } else { y.clone() };
        match kdf::verify_hmac_sha256_truncated(&key, &x, &tag) {
            Ok(()) => prop_assert!((1..=32).contains(&tag.len())),
            Err(CryptoError::InvalidLength) => prop_assert!(tag.is_empty() || tag.len() > 32),
            Err(e) => prop_assert_eq!(e, CryptoError::AuthFailure),
        }
    }

    /// No function panics on arbitrary input; the results are ignored.
    #[test]
    fn nothing_panics(
        a in any::<[u8; 32]>(), b in any::<[u8; 32]>(),
        n12 in any::<[u8; 12]>(), n16 in any::<[u8; 16]>(),
        s1 in any::<[u8; 32]>(), s2 in any::<[u8; 32]>(),
        x in bytes(100), y in bytes(100), len in any::<usize>(), small in 0usize..10000,
    ) {
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&s1);
        sig[32..].copy_from_slice(&s2);
        let _ = x25519::public_key(&a);
        let _ = x25519::dh(&a, &b);
        let _ = kdf::hkdf_sha256(&x, &y, &a, len);
        let _ = kdf::hkdf_sha256(&x, &y, &a, small);
        let _ = kdf::hmac_sha256(&x, &y);
        let _ = kdf::verify_hmac_sha256_truncated(&x, &y, &x);
        let _ = chacha::seal(&a, &n12, &x, &y);
        let _ = chacha::open(&a, &n12, &x, &y);
        let _ = aes_gcm::seal(&a, &n12, &x, &y);
        let _ = aes_gcm::open(&a, &n12, &x, &y);
        let _ = aes_cbc::encrypt(&a, &n16, &x);
        let _ = aes_cbc::decrypt(&a, &n16, &x);
        let _ = xeddsa::sign(&a, &x, &sig);
        let _ = xeddsa::verify(&b, &x, &sig);
        let _ = xeddsa::verify(&x25519::public_key(&a), &x, &sig);
    }

    /// Decryption of tampered or random ciphertexts gives a typed error, never a panic, and
    /// CBC decryption of a whole number of blocks fails only with `BadPadding`.
    #[test]
    fn aes_cbc_random_blocks(key in any::<[u8; 32]>(), iv in any::<[u8; 16]>(), blocks in 1usize..8, fill in any::<u8>()) {
        match aes_cbc::decrypt(&key, &iv, &vec![fill; blocks * 16]) {
            Ok(pt) => prop_assert!(pt.len() < blocks * 16 && pt.len() + 16 >= blocks * 16),
            Err(e) => prop_assert_eq!(e, CryptoError::BadPadding),
        }
    }
}
