//! Integers modulo p = 2^130 - 5, Poly1305's field (RFC 8439 §2.5), in five 26-bit limbs:
//! a product of two limbs fits in 52 bits, and 2^130 ≡ 5 (mod p) folds the high half of a
//! product back onto the low limbs with a multiplication by 5.

const MASK: u64 = (1 << 26) - 1;

/// An element of Z/pZ: `limbs[i]` holds bits 26i..26i+26. Every operation returns a value
/// below 2^130 in limbs below 2^26 (not always below p; [`Fe::canonical`] reduces fully).
#[derive(Clone, Copy, Debug)]
pub struct Fe([u64; 5]);

impl Fe {
    pub const ZERO: Fe = Fe([0; 5]);
    pub const ONE: Fe = Fe([1, 0, 0, 0, 0]);

    /// A little-endian number of up to 17 bytes (below 2^136), reduced mod p.
    pub fn from_le(bytes: &[u8]) -> Fe {
        assert!(bytes.len() <= 17, "at most 17 bytes");
        let mut wide = [0u8; 17];
        wide[..bytes.len()].copy_from_slice(bytes);
        // Bits 0..128 and the 8 bits above them.
        let lo = u128::from_le_bytes(wide[..16].try_into().expect("16 bytes"));
        let hi = u64::from(wide[16]);
        let mut l = [0u64; 6];
        for (i, limb) in l.iter_mut().enumerate().take(5) {
            *limb = ((lo >> (26 * i)) as u64) & MASK;
        }
        // Bits 104..128 sit in limb 4 (24 of them); the 17th byte's bits 128..136 follow.
        l[4] |= (hi << 24) & MASK;
        l[5] = hi >> 2;
        // Bits from 130 up: 2^130 ≡ 5.
        l[0] += 5 * l[5];
        Fe([l[0], l[1], l[2], l[3], l[4]]).carry()
    }

    /// A 16-byte block plus 2^128, as Poly1305 reads a full block (RFC 8439 §2.5.1: "add one
    /// bit beyond the number of octets").
    pub fn block(block: &[u8; 16]) -> Fe {
        let mut b = [0u8; 17];
        b[..16].copy_from_slice(block);
        b[16] = 1;
        Fe::from_le(&b)
    }

    /// Carries every limb into the next, the top one through 2^130 ≡ 5 into the bottom. Three
    /// passes leave every limb below 2^26: after the second only limb 0 can exceed it, by less
    /// than 5, and the third pass's wrap-around adds at most 5 to a limb 0 that just carried.
    fn carry(self) -> Fe {
        let mut l = self.0;
        for _ in 0..3 {
            for i in 0..4 {
                l[i + 1] += l[i] >> 26;
                l[i] &= MASK;
            }
            l[0] += 5 * (l[4] >> 26);
            l[4] &= MASK;
        }
        Fe(l)
    }

    /// The value in [0, p): subtract p once if the carried value is p or more.
    pub fn canonical(self) -> Fe {
        let h = self.carry().0;
        // g = h + 5 - 2^130 is h - p; it is the answer when h + 5 reaches 2^130.
        let mut g = [0u64; 5];
        let mut c = 5u64;
        for i in 0..5 {
            let v = h[i] + c;
            g[i] = v & MASK;
            c = v >> 26;
        }
        if c == 1 {
            Fe(g)
        } else {
            Fe(h)
        }
    }

    pub fn add(self, o: Fe) -> Fe {
        let mut l = [0u64; 5];
        for (i, limb) in l.iter_mut().enumerate() {
            *limb = self.0[i] + o.0[i];
        }
        Fe(l).carry()
    }

    /// self - o, as self + (2p - o): each limb of 2p (2^27 - 10, then 2^27 - 2) is above any
    /// limb of the fully reduced o, so no limb borrows.
    pub fn sub(self, o: Fe) -> Fe {
        let o = o.canonical().0;
        let two_p = [2 * (MASK - 4), 2 * MASK, 2 * MASK, 2 * MASK, 2 * MASK];
        let mut l = [0u64; 5];
        for i in 0..5 {
            l[i] = self.0[i] + two_p[i] - o[i];
        }
        Fe(l).carry()
    }

    /// Schoolbook product of the limbs; the terms of weight 2^(26k) with k >= 5 come back
    /// as 5 * 2^(26(k-5)).
    pub fn mul(self, o: Fe) -> Fe {
        let (a, b) = (self.0, o.0);
        let mut d = [0u64; 5];
        for i in 0..5 {
            for j in 0..5 {
                let t = a[i] * b[j];
                if i + j < 5 {
                    d[i + j] += t;
                } else {
                    d[i + j - 5] += 5 * t;
                }
            }
        }
        // Each d[k] < 5 * 5 * 2^52 < 2^57: no overflow; carry into 26-bit limbs.
        let mut c = 0u64;
        for limb in d.iter_mut() {
            *limb += c;
            c = *limb >> 26;
            *limb &= MASK;
        }
        d[0] += 5 * c;
        Fe(d).carry()
    }

    /// self^e for an exponent given little endian, by square-and-multiply from the top bit.
    pub fn pow(self, e: &[u8]) -> Fe {
        let mut acc = Fe::ONE;
        for byte in e.iter().rev() {
            for bit in (0..8).rev() {
                acc = acc.mul(acc);
                if (byte >> bit) & 1 == 1 {
                    acc = acc.mul(self);
                }
            }
        }
        acc
    }

    /// self^-1 = self^(p - 2) (Fermat); `None` for 0.
    pub fn inv(self) -> Option<Fe> {
        // p - 2 = 2^130 - 7, little endian: f9 ff .. ff 03.
        let mut p_minus_2 = [0xffu8; 17];
        p_minus_2[0] = 0xf9;
        p_minus_2[16] = 0x03;
        (!self.is_zero()).then(|| self.pow(&p_minus_2))
    }

    pub fn is_zero(self) -> bool {
        self.canonical().0 == [0; 5]
    }

    /// The value in [0, p) as 17 little-endian bytes.
    pub fn to_le(self) -> [u8; 17] {
        let l = self.canonical().0;
        // Shifts up to 104 < 128: limb 4's top two bits (129, 130) fall off here ...
        let v = (0..5).fold(0u128, |v, i| v | u128::from(l[i]) << (26 * i));
        let mut out = [0u8; 17];
        out[..16].copy_from_slice(&v.to_le_bytes());
        // ... and are byte 16.
        out[16] = (l[4] >> 24) as u8;
        out
    }

    /// The value as a 16-byte block if it is below 2^128.
    pub fn to_block(self) -> Option<[u8; 16]> {
        let b = self.to_le();
        (b[16] == 0).then(|| b[..16].try_into().expect("16 bytes"))
    }
}

/// Equal as residues mod p, whatever their (not always reduced) limbs.
impl PartialEq for Fe {
    fn eq(&self, o: &Fe) -> bool {
        self.canonical().0 == o.canonical().0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fe(n: u128) -> Fe {
        Fe::from_le(&n.to_le_bytes())
    }

    #[test]
    fn small_arithmetic_is_integer_arithmetic() {
        let (a, b) = (fe(123_456_789_012_345), fe(987_654_321));
        assert_eq!(a.mul(b), fe(123_456_789_012_345 * 987_654_321));
        assert_eq!(a.add(b), fe(123_456_789_012_345 + 987_654_321));
        assert_eq!(a.sub(b), fe(123_456_789_012_345 - 987_654_321));
        assert_eq!(b.sub(a).add(a), b);
    }

    /// p itself is 0, and p - 1 = -1, so (p - 1)^2 = 1; 2^130 = 5.
    #[test]
    fn the_modulus_wraps() {
        let mut p = [0xffu8; 17];
        p[0] = 0xfb;
        p[16] = 0x03;
        assert!(Fe::from_le(&p).is_zero());
        p[0] = 0xfa;
        let minus_one = Fe::from_le(&p);
        assert!(minus_one.add(Fe::ONE).is_zero());
        assert_eq!(minus_one.mul(minus_one), Fe::ONE);
        let mut two_130 = [0u8; 17];
        two_130[16] = 0x04;
        assert_eq!(Fe::from_le(&two_130), fe(5));
        assert_eq!(minus_one.to_le(), p);
    }

    #[test]
    fn inverses_invert_and_blocks_round_trip() {
        let mut x = fe(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210);
        for _ in 0..20 {
            assert_eq!(x.mul(x.inv().unwrap()), Fe::ONE);
            let b = x.to_le();
            assert_eq!(Fe::from_le(&b), x);
            x = x.mul(x).add(fe(7));
        }
        assert!(Fe::ZERO.inv().is_none());
        let block = [0xa5u8; 16];
        assert_eq!(
            Fe::block(&block).sub(Fe::block(&[0; 16])).to_block(),
            Some(block)
        );
    }
}
