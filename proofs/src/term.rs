//! The symbolic terms the models are written in: printed as ProVerif, and evaluated on bytes
//! with the spec's own primitives, so a test can check that every key derivation and message
//! layout in a model computes what the spec computes (see `schedule`'s tests).
//!
//! Byte-string constants are named after their bytes, never after the Rust constant they came
//! from: two labels with the same bytes are the same ProVerif constant, as they are the same
//! input to the real KDF.

#[cfg(test)]
use e2ee_spec::crypto::{aes_cbc, aes_gcm, chacha, kdf, x25519};
use e2ee_spec::wire::protobuf;
#[cfg(test)]
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// ProVerif types: group elements, private scalars, and everything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    G,
    Scalar,
    Bits,
}

impl Ty {
    pub fn pv(self) -> &'static str {
        match self {
            Ty::G => "G",
            Ty::Scalar => "scalar",
            Ty::Bits => "bitstring",
        }
    }
}

/// A symbolic term. `Var` is a ProVerif variable or name in scope; every other constructor is
/// a primitive or an encoding of the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    Var(String),
    /// A public byte string, with where it comes from (for the model's constant table).
    Const {
        bytes: Vec<u8>,
        from: String,
    },
    /// `g^x`: the X25519 public key of scalar `x`. (The processes write DH directly; the
    /// drift tests build these.)
    #[cfg_attr(not(test), allow(dead_code))]
    Pk(Box<Term>),
    /// `DH(priv, pub)` = `exp(pub, priv)`.
    #[cfg_attr(not(test), allow(dead_code))]
    Dh {
        public: Box<Term>,
        private: Box<Term>,
    },
    /// A group element as its 32 bytes.
    Bytes(Box<Term>),
    /// Concatenation of fixed-layout fields.
    Cat(Vec<Term>),
    /// Bytes `from..to` of HKDF-SHA256(salt, ikm, info): an HKDF output is a stream, so the
    /// first 32 bytes of a 64-byte output equal a 32-byte output with the same inputs.
    Hkdf {
        salt: Box<Term>,
        ikm: Box<Term>,
        info: Box<Term>,
        from: usize,
        to: usize,
    },
    Hmac {
        key: Box<Term>,
        data: Box<Term>,
    },
    /// The first `len` bytes of a MAC.
    Trunc {
        mac: Box<Term>,
        len: usize,
    },
    Aead {
        key: Box<Term>,
        nonce: Box<Term>,
        aad: Box<Term>,
        plaintext: Box<Term>,
    },
    /// AES-256-CBC with PKCS#7 padding.
    Cbc {
        key: Box<Term>,
        iv: Box<Term>,
        plaintext: Box<Term>,
    },
    /// AES-256-GCM with no associated data (franking's attachments).
    Gcm {
        key: Box<Term>,
        nonce: Box<Term>,
        plaintext: Box<Term>,
    },
    /// SHA-256 (an attachment's digest).
    Sha256(Box<Term>),
    /// `u16(len) ‖ value`, big-endian (franking's context fields): the prefix follows the value.
    Len16(Box<Term>),
    /// A length-delimited protobuf field; the field key is public, the length follows the value.
    PbBytes {
        field: u32,
        value: Box<Term>,
    },
    /// A call of a model `letfun`.
    Call(String, Vec<Term>),
}

pub fn var(name: &str) -> Term {
    Term::Var(name.to_string())
}

pub fn cnst(bytes: &[u8], from: &str) -> Term {
    Term::Const {
        bytes: bytes.to_vec(),
        from: from.to_string(),
    }
}

#[cfg(test)]
pub fn pk(x: Term) -> Term {
    Term::Pk(Box::new(x))
}

#[cfg(test)]
pub fn dh(public: Term, private: Term) -> Term {
    Term::Dh {
        public: Box::new(public),
        private: Box::new(private),
    }
}

pub fn bytes(g: Term) -> Term {
    Term::Bytes(Box::new(g))
}

pub fn cat(parts: Vec<Term>) -> Term {
    Term::Cat(parts)
}

pub fn hkdf(salt: Term, ikm: Term, info: Term, from: usize, to: usize) -> Term {
    Term::Hkdf {
        salt: Box::new(salt),
        ikm: Box::new(ikm),
        info: Box::new(info),
        from,
        to,
    }
}

pub fn hmac(key: Term, data: Term) -> Term {
    Term::Hmac {
        key: Box::new(key),
        data: Box::new(data),
    }
}

pub fn call(f: &str, args: Vec<Term>) -> Term {
    Term::Call(f.to_string(), args)
}

/// The ProVerif identifier of a byte-string constant: readable for ASCII labels, hex otherwise.
pub fn const_name(bytes: &[u8]) -> String {
    let label = !bytes.is_empty()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b' ' || *b == b'-' || *b == b'_');
    if label {
        // '_' only ever comes from ' ', '-' or '_'; `Consts` rejects the rare collision.
        let s: String = bytes
            .iter()
            .map(|&b| {
                if b.is_ascii_alphanumeric() {
                    b as char
                } else {
                    '_'
                }
            })
            .collect();
        format!("s_{s}")
    } else if bytes.len() > 4 && bytes.iter().all(|b| *b == bytes[0]) {
        format!("x_{:02x}x{}", bytes[0], bytes.len())
    } else if bytes.is_empty() {
        "x_empty".to_string()
    } else {
        format!("x_{}", hex::encode(bytes))
    }
}

/// The constants, HKDF ranges, truncations and concatenation arities a model uses, collected
/// while printing so the model declares exactly what it uses.
#[derive(Default, Debug)]
pub struct Decls {
    pub consts: BTreeMap<String, (Vec<u8>, Vec<String>)>,
    pub ranges: std::collections::BTreeSet<(usize, usize)>,
    pub truncs: std::collections::BTreeSet<usize>,
    pub cats: std::collections::BTreeSet<usize>,
    pub pb_keys: std::collections::BTreeSet<u32>,
    pub len16: bool,
}

impl Decls {
    fn add_const(&mut self, bytes: &[u8], from: &str) -> String {
        let name = const_name(bytes);
        let entry = self
            .consts
            .entry(name.clone())
            .or_insert_with(|| (bytes.to_vec(), Vec::new()));
        assert_eq!(
            entry.0, bytes,
            "two byte strings map to the ProVerif constant {name}"
        );
        if !entry.1.iter().any(|f| f == from) {
            entry.1.push(from.to_string());
        }
        name
    }

    /// The constant for the key of length-delimited protobuf field `field` (which also makes
    /// the model declare `pb_len`).
    fn add_pb_key(&mut self, field: u32) -> String {
        self.pb_keys.insert(field);
        self.add_const(
            &pb_key(field, protobuf::WIRE_LEN),
            &format!("protobuf key of field {field}, wire type 2"),
        )
    }

    /// ProVerif declarations for everything collected.
    pub fn declarations(&self) -> String {
        let mut out = String::new();
        out.push_str("(* Public byte strings, named after their bytes. *)\n");
        for (name, (bytes, from)) in &self.consts {
            let shown = if name.starts_with("s_") {
                format!("\"{}\"", String::from_utf8_lossy(bytes))
            } else {
                format!("0x{}", hex::encode(bytes))
            };
            out.push_str(&format!(
                "const {name}: bitstring. (* {shown}: {} *)\n",
                from.join("; ")
            ));
        }
        out.push_str(
            "\n(* Concatenations of fixed-layout fields: the attacker can split them. *)\n",
        );
        for n in &self.cats {
            let args = vec!["bitstring"; *n].join(", ");
            out.push_str(&format!("fun cat{n}({args}): bitstring [data].\n"));
        }
        if !self.pb_keys.is_empty() {
            out.push_str("\n(* A length-delimited protobuf field: key bytes, value (the length follows the value). *)\n");
            out.push_str("fun pb_len(bitstring, bitstring): bitstring [data].\n");
        }
        if self.len16 {
            out.push_str("\n(* A length-prefixed field: u16(len) || value (the length follows the value). *)\n");
            out.push_str("fun len16(bitstring): bitstring [data].\n");
        }
        out.push_str("\n(* Bytes from..to of an HKDF output stream. *)\n");
        for (from, to) in &self.ranges {
            out.push_str(&format!("fun okm_{from}_{to}(bitstring): bitstring.\n"));
        }
        for len in &self.truncs {
            out.push_str(&format!("fun trunc_{len}(bitstring): bitstring.\n"));
        }
        out
    }
}

/// The field key of a protobuf field (tag and wire type) as bytes.
fn pb_key(field: u32, wire: u8) -> Vec<u8> {
    let mut out = Vec::new();
    protobuf::put_varint(&mut out, (u64::from(field) << 3) | u64::from(wire));
    out
}

impl Term {
    /// Print as a ProVerif term, recording what must be declared.
    pub fn pv(&self, d: &mut Decls) -> String {
        match self {
            Term::Var(v) => v.clone(),
            Term::Const { bytes, from } => d.add_const(bytes, from),
            Term::Pk(x) => format!("exp(g, {})", x.pv(d)),
            Term::Dh { public, private } => format!("exp({}, {})", public.pv(d), private.pv(d)),
            Term::Bytes(x) => format!("G2b({})", x.pv(d)),
            Term::Cat(parts) => {
                d.cats.insert(parts.len());
                let inner: Vec<String> = parts.iter().map(|p| p.pv(d)).collect();
                format!("cat{}({})", parts.len(), inner.join(", "))
            }
            Term::Hkdf {
                salt,
                ikm,
                info,
                from,
                to,
            } => {
                d.ranges.insert((*from, *to));
                format!(
                    "okm_{from}_{to}(hkdf({}, {}, {}))",
                    salt.pv(d),
                    ikm.pv(d),
                    info.pv(d)
                )
            }
            Term::Hmac { key, data } => format!("hmac({}, {})", key.pv(d), data.pv(d)),
            Term::Trunc { mac, len } => {
                d.truncs.insert(*len);
                format!("trunc_{len}({})", mac.pv(d))
            }
            Term::Aead {
                key,
                nonce,
                aad,
                plaintext,
            } => format!(
                "aead_enc({}, {}, {}, {})",
                key.pv(d),
                nonce.pv(d),
                aad.pv(d),
                plaintext.pv(d)
            ),
            Term::Cbc { key, iv, plaintext } => {
                format!("cbc_enc({}, {}, {})", key.pv(d), iv.pv(d), plaintext.pv(d))
            }
            Term::Gcm {
                key,
                nonce,
                plaintext,
            } => format!(
                "gcm_enc({}, {}, {})",
                key.pv(d),
                nonce.pv(d),
                plaintext.pv(d)
            ),
            Term::Sha256(x) => format!("sha256({})", x.pv(d)),
            Term::Len16(x) => {
                d.len16 = true;
                format!("len16({})", x.pv(d))
            }
            Term::PbBytes { field, value } => {
                let key = d.add_pb_key(*field);
                format!("pb_len({key}, {})", value.pv(d))
            }
            Term::Call(f, args) => {
                let inner: Vec<String> = args.iter().map(|a| a.pv(d)).collect();
                format!("{f}({})", inner.join(", "))
            }
        }
    }

    /// Print as a ProVerif pattern: variables in `bind` are bound here (typed), other
    /// variables and constants must match (`=x`). Layouts (Cat, Bytes, PbBytes, and `letfun`
    /// calls, expanded by `expand`) can be destructured; anything else must be fully known.
    pub fn pattern(
        &self,
        d: &mut Decls,
        bind: &dyn Fn(&str) -> Option<Ty>,
        expand: &dyn Fn(&str, &[Term]) -> Term,
    ) -> String {
        match self {
            Term::Var(v) => match bind(v) {
                Some(ty) => format!("{v}: {}", ty.pv()),
                None => format!("={v}"),
            },
            Term::Bytes(x) => match &**x {
                Term::Var(v) if bind(v).is_some() => format!("G2b({v}: G)"),
                other => format!("=G2b({})", other.pv(d)),
            },
            Term::Cat(parts) => {
                d.cats.insert(parts.len());
                let inner: Vec<String> = parts.iter().map(|p| p.pattern(d, bind, expand)).collect();
                format!("cat{}({})", parts.len(), inner.join(", "))
            }
            Term::PbBytes { field, value } => {
                let key = d.add_pb_key(*field);
                format!("pb_len(={key}, {})", value.pattern(d, bind, expand))
            }
            Term::Len16(x) => {
                d.len16 = true;
                format!("len16({})", x.pattern(d, bind, expand))
            }
            Term::Call(f, args) if args.iter().any(|a| a.binds(bind)) => {
                expand(f, args).pattern(d, bind, expand)
            }
            other => format!("={}", other.pv(d)),
        }
    }

    /// Whether a pattern of this term would bind a variable.
    fn binds(&self, bind: &dyn Fn(&str) -> Option<Ty>) -> bool {
        match self {
            Term::Var(v) => bind(v).is_some(),
            _ => self.children().into_iter().any(|c| c.binds(bind)),
        }
    }

    /// The immediate subterms.
    fn children(&self) -> Vec<&Term> {
        match self {
            Term::Var(_) | Term::Const { .. } => Vec::new(),
            Term::Pk(x) | Term::Bytes(x) | Term::Sha256(x) | Term::Len16(x) => vec![x],
            Term::Dh { public, private } => vec![public, private],
            Term::Cat(parts) | Term::Call(_, parts) => parts.iter().collect(),
            Term::Hkdf {
                salt, ikm, info, ..
            } => vec![salt, ikm, info],
            Term::Hmac { key, data } => vec![key, data],
            Term::Trunc { mac, .. } => vec![mac],
            Term::Aead {
                key,
                nonce,
                aad,
                plaintext,
            } => vec![key, nonce, aad, plaintext],
            Term::Cbc { key, iv, plaintext } => vec![key, iv, plaintext],
            Term::Gcm {
                key,
                nonce,
                plaintext,
            } => vec![key, nonce, plaintext],
            Term::PbBytes { value, .. } => vec![value],
        }
    }

    #[cfg(test)]
    /// Evaluate on bytes with the spec's primitives. `env` gives variables (scalars are X25519
    /// private keys); `funs` expands `Call`s. `None` when a primitive refuses its input.
    pub fn eval(
        &self,
        env: &BTreeMap<String, Vec<u8>>,
        funs: &dyn Fn(&str, &[Term]) -> Term,
    ) -> Option<Vec<u8>> {
        let e = |t: &Term| t.eval(env, funs);
        let key32 = |t: &Term| -> Option<[u8; 32]> { e(t)?.try_into().ok() };
        Some(match self {
            Term::Var(v) => env.get(v)?.clone(),
            Term::Const { bytes, .. } => bytes.clone(),
            Term::Pk(x) => x25519::public_key(&key32(x)?).to_vec(),
            Term::Dh { public, private } => {
                x25519::dh(&key32(private)?, &key32(public)?).ok()?.to_vec()
            }
            Term::Bytes(x) => e(x)?,
            Term::Cat(parts) => {
                let mut out = Vec::new();
                for p in parts {
                    out.extend(e(p)?);
                }
                out
            }
            Term::Hkdf {
                salt,
                ikm,
                info,
                from,
                to,
            } => kdf::hkdf_sha256(&e(salt)?, &e(ikm)?, &e(info)?, *to).ok()?[*from..*to].to_vec(),
            Term::Hmac { key, data } => kdf::hmac_sha256(&e(key)?, &e(data)?).to_vec(),
            Term::Trunc { mac, len } => e(mac)?.get(..*len)?.to_vec(),
            Term::Aead {
                key,
                nonce,
                aad,
                plaintext,
            } => {
                let nonce: [u8; 12] = e(nonce)?.try_into().ok()?;
                chacha::seal(&key32(key)?, &nonce, &e(aad)?, &e(plaintext)?)
            }
            Term::Cbc { key, iv, plaintext } => {
                let iv: [u8; 16] = e(iv)?.try_into().ok()?;
                aes_cbc::encrypt(&key32(key)?, &iv, &e(plaintext)?)
            }
            Term::Gcm {
                key,
                nonce,
                plaintext,
            } => {
                let nonce: [u8; 12] = e(nonce)?.try_into().ok()?;
                aes_gcm::seal(&key32(key)?, &nonce, &[], &e(plaintext)?)
            }
            Term::Sha256(x) => Sha256::digest(e(x)?).to_vec(),
            Term::Len16(x) => {
                let value = e(x)?;
                let len = u16::try_from(value.len()).ok()?;
                [&len.to_be_bytes()[..], &value].concat()
            }
            Term::PbBytes { field, value } => {
                let mut out = Vec::new();
                protobuf::put_bytes(&mut out, *field, &e(value)?);
                out
            }
            Term::Call(f, args) => funs(f, args).eval(env, funs)?,
        })
    }

    /// Replace variables by terms (used to expand a `letfun` call before evaluating it).
    pub fn subst(&self, s: &BTreeMap<String, Term>) -> Term {
        let b = |t: &Term| Box::new(t.subst(s));
        match self {
            Term::Var(v) => s.get(v).cloned().unwrap_or_else(|| self.clone()),
            Term::Const { .. } => self.clone(),
            Term::Pk(x) => Term::Pk(b(x)),
            Term::Dh { public, private } => Term::Dh {
                public: b(public),
                private: b(private),
            },
            Term::Bytes(x) => Term::Bytes(b(x)),
            Term::Cat(parts) => Term::Cat(parts.iter().map(|p| p.subst(s)).collect()),
            Term::Hkdf {
                salt,
                ikm,
                info,
                from,
                to,
            } => Term::Hkdf {
                salt: b(salt),
                ikm: b(ikm),
                info: b(info),
                from: *from,
                to: *to,
            },
            Term::Hmac { key, data } => Term::Hmac {
                key: b(key),
                data: b(data),
            },
            Term::Trunc { mac, len } => Term::Trunc {
                mac: b(mac),
                len: *len,
            },
            Term::Aead {
                key,
                nonce,
                aad,
                plaintext,
            } => Term::Aead {
                key: b(key),
                nonce: b(nonce),
                aad: b(aad),
                plaintext: b(plaintext),
            },
            Term::Cbc { key, iv, plaintext } => Term::Cbc {
                key: b(key),
                iv: b(iv),
                plaintext: b(plaintext),
            },
            Term::Gcm {
                key,
                nonce,
                plaintext,
            } => Term::Gcm {
                key: b(key),
                nonce: b(nonce),
                plaintext: b(plaintext),
            },
            Term::Sha256(x) => Term::Sha256(b(x)),
            Term::Len16(x) => Term::Len16(b(x)),
            Term::PbBytes { field, value } => Term::PbBytes {
                field: *field,
                value: b(value),
            },
            Term::Call(f, args) => Term::Call(f.clone(), args.iter().map(|a| a.subst(s)).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_names() {
        assert_eq!(const_name(b"WhisperText"), "s_WhisperText");
        assert_eq!(
            const_name(b"e2ee-spec modern v1 X3DH"),
            "s_e2ee_spec_modern_v1_X3DH"
        );
        assert_eq!(const_name(&[0xff; 32]), "x_ffx32");
        assert_eq!(const_name(&[0x01]), "x_01");
        assert_eq!(const_name(&[0, 0, 0, 1]), "x_00000001");
    }

    #[test]
    fn same_name_different_bytes_is_refused() {
        let mut d = Decls::default();
        d.add_const(b"a b", "one");
        let clash = std::panic::catch_unwind(move || {
            let mut d = d;
            d.add_const(b"a-b", "two");
        });
        assert!(clash.is_err());
    }
}
