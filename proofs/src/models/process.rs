//! Writing ProVerif processes: a process definition under construction (`Proc`) and the
//! printing context that collects the declarations its terms need (`Ctx`).

use crate::schedule::{self, counter, message_layout, LetFun};
use crate::schedule_fk;
use crate::schedule_sk;
use crate::schedule_v4;
use crate::term::{Decls, Term, Ty};
use e2ee_spec::Profile;

/// A process definition under construction. Every `new` is hoisted to the top: a fresh name
/// then depends only on the session, not on the messages received before it, which keeps
/// ProVerif's clauses small (and does not change what the process does).
pub(super) struct Proc {
    header: String,
    pub(super) news: Vec<(String, Ty)>,
    lines: Vec<String>,
}

impl Proc {
    pub(super) fn new(header: &str) -> Proc {
        Proc {
            header: header.to_string(),
            news: Vec::new(),
            lines: Vec::new(),
        }
    }

    pub(super) fn fresh(&mut self, name: &str, ty: Ty) -> String {
        self.news.push((name.to_string(), ty));
        name.to_string()
    }

    pub(super) fn line(&mut self, l: impl Into<String>) {
        self.lines.push(l.into());
    }

    pub(super) fn text(&self) -> String {
        let mut out = format!("let {} =\n", self.header);
        for (n, ty) in &self.news {
            out.push_str(&format!("  new {n}: {};\n", ty.pv()));
        }
        for l in &self.lines {
            out.push_str(&format!("  {l}\n"));
        }
        out.push_str("  0.\n");
        out
    }
}

/// Which protocol's names, letfuns and layouts a model is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Family {
    /// X3DH and the Double Ratchet of the context's profile (`schedule`).
    Pairwise,
    /// signal-v4: PQXDH, then signal-v3's Double Ratchet under signal-v4's version
    /// (`schedule_v4`).
    Pqxdh,
    /// signal-sk-v3's Sender Keys (`schedule_sk`): no Double Ratchet at all.
    SenderKeys,
    /// Message franking over a 1:1 session (`schedule_fk`); `committing` says whether the
    /// attachments' AES-GCM is modelled as committing to its key.
    Franking { committing: bool },
}

/// Printing context: the declarations a model needs and its profile's letfuns.
pub(super) struct Ctx {
    /// The profile whose Double Ratchet the model runs (signal-v4 runs signal-v3's; unused by
    /// Sender Keys).
    pub(super) p: Profile,
    pub(super) family: Family,
    pub(super) d: Decls,
    funs: Vec<LetFun>,
}

impl Ctx {
    pub(super) fn new(p: Profile) -> Ctx {
        Ctx {
            p,
            family: Family::Pairwise,
            d: Decls::default(),
            funs: schedule::letfuns(p),
        }
    }

    /// A signal-v4 model: PQXDH, then signal-v3's Double Ratchet under signal-v4's version.
    pub(super) fn signal_v4() -> Ctx {
        Ctx {
            p: Profile::SignalV3,
            family: Family::Pqxdh,
            d: Decls::default(),
            funs: schedule_v4::letfuns(),
        }
    }

    /// A signal-sk-v3 model: Sender Keys.
    pub(super) fn signal_sk_v3() -> Ctx {
        Ctx {
            p: Profile::SignalV3,
            family: Family::SenderKeys,
            d: Decls::default(),
            funs: schedule_sk::letfuns(),
        }
    }

    /// A franking model (`weakened`: with the sanity models' letfuns as well).
    pub(super) fn franking(committing: bool, weakened: bool) -> Ctx {
        let mut funs = schedule_fk::letfuns();
        if weakened {
            funs.extend(schedule_fk::weakened_letfuns());
        }
        Ctx {
            p: Profile::SignalV3,
            family: Family::Franking { committing },
            d: Decls::default(),
            funs,
        }
    }

    /// The profile's name (model header, expected.json).
    pub(super) fn profile_name(&self) -> &'static str {
        match self.family {
            Family::Pairwise => self.p.name(),
            Family::Pqxdh => schedule_v4::NAME,
            Family::SenderKeys => schedule_sk::name(),
            Family::Franking { .. } => schedule_fk::PREFIX,
        }
    }

    /// The model-file prefix.
    pub(super) fn prefix(&self) -> &'static str {
        match self.family {
            Family::Pairwise => schedule::prefix(self.p),
            Family::Pqxdh => schedule_v4::PREFIX,
            Family::SenderKeys => schedule_sk::PREFIX,
            Family::Franking { .. } => schedule_fk::PREFIX,
        }
    }

    /// A Double Ratchet message as it travels (`schedule::message_layout`).
    pub(super) fn message_layout(&self, dh: Term, pn: Term, n: Term, ct: Term, mac: Term) -> Term {
        match self.family {
            Family::Pqxdh => schedule_v4::message_layout(dh, pn, n, ct, mac),
            _ => message_layout(self.p, dh, pn, n, ct, mac),
        }
    }

    pub(super) fn t(&mut self, t: &Term) -> String {
        t.pv(&mut self.d)
    }

    pub(super) fn counter(&mut self, which: &str, value: u32) -> String {
        let t = counter(self.p, which, value);
        self.t(&t)
    }

    pub(super) fn letfuns(&mut self) -> String {
        let mut out = String::new();
        for f in &self.funs {
            let params: Vec<String> = f
                .params
                .iter()
                .map(|(n, ty)| format!("{n}: {}", ty.pv()))
                .collect();
            let body = f.body.pv(&mut self.d);
            out.push_str(&format!(
                "(* {} *)\nletfun {}({}) =\n  {}.\n",
                f.doc,
                f.name,
                params.join(", "),
                body
            ));
        }
        out
    }

    /// A `let pattern = msg in` line destructuring a message layout.
    pub(super) fn pattern(&mut self, t: &Term, bound: &[(&str, Ty)]) -> String {
        let funs = &self.funs;
        let expand = |name: &str, args: &[Term]| schedule::expand(funs, name, args);
        let bind = |v: &str| bound.iter().find(|(n, _)| *n == v).map(|(_, ty)| *ty);
        t.pattern(&mut self.d, &bind, &expand)
    }
}
