//! GF(2^128) as GCM defines it (NIST SP 800-38D §6.3): a block is a polynomial over GF(2)
//! whose coefficient of x^0 is the *leftmost* bit of the block, reduced modulo
//! x^128 + x^7 + x^2 + x + 1. A `u128` read big-endian from the block holds x^0 in its most
//! significant bit, so shifting right multiplies by x.

/// The reduction polynomial's low terms 1 + x + x^2 + x^7 in GCM's bit order: the block
/// R = 11100001 ‖ 0^120 of SP 800-38D §6.3.
const R: u128 = 0xe1 << 120;

/// A block as a field element (SP 800-38D §6.3: bit 0 is the leftmost bit).
pub fn from_block(block: &[u8; 16]) -> u128 {
    u128::from_be_bytes(*block)
}

pub fn to_block(x: u128) -> [u8; 16] {
    x.to_be_bytes()
}

/// X • Y, SP 800-38D §6.3 Algorithm 1: for each bit of X from the left, add V when it is set,
/// then multiply V by x (a right shift, reduced by R when x^127's coefficient falls off).
pub fn mul(x: u128, y: u128) -> u128 {
    let mut z = 0u128;
    let mut v = y;
    for i in 0..128 {
        if (x >> (127 - i)) & 1 == 1 {
            z ^= v;
        }
        v = if v & 1 == 1 { (v >> 1) ^ R } else { v >> 1 };
    }
    z
}

/// x^e by square-and-multiply from the exponent's top bit.
pub fn pow(x: u128, e: u128) -> u128 {
    let one = 1u128 << 127;
    let mut acc = one;
    for i in (0..128).rev() {
        acc = mul(acc, acc);
        if (e >> i) & 1 == 1 {
            acc = mul(acc, x);
        }
    }
    acc
}

/// x^-1 = x^(2^128 - 2) (the multiplicative group has order 2^128 - 1); `None` for 0.
pub fn inv(x: u128) -> Option<u128> {
    (x != 0).then(|| pow(x, u128::MAX - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field's one: the block 80 00 .. 00 (x^0 leftmost).
    const ONE: u128 = 1 << 127;

    #[test]
    fn one_is_neutral_and_inverses_invert() {
        let mut x = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210u128;
        for _ in 0..20 {
            assert_eq!(mul(x, ONE), x);
            assert_eq!(mul(x, inv(x).unwrap()), ONE);
            x = mul(x, x) ^ 0x9e37_79b9;
        }
        assert_eq!(inv(0), None);
    }

    #[test]
    fn multiplication_is_commutative_and_distributive() {
        let (a, b, c) = (
            0xdead_beef_u128 << 64 | 0x1234,
            0x66e9_4bd4_ef8a_2c3b_884c_fa59_ca34_2b2eu128,
            u128::MAX / 3,
        );
        assert_eq!(mul(a, b), mul(b, a));
        assert_eq!(mul(a, b ^ c), mul(a, b) ^ mul(a, c));
        assert_eq!(pow(a, 3), mul(a, mul(a, a)));
    }

    /// x • x^127 = x^128 = 1 + x + x^2 + x^7: the reduction polynomial (SP 800-38D §6.3).
    #[test]
    fn x_to_the_128_reduces_by_the_gcm_polynomial() {
        let x = 1u128 << 126;
        assert_eq!(mul(x, 1), R);
        assert_eq!(pow(x, 128), R);
    }
}
