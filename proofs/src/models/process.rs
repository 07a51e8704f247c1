//! Writing ProVerif processes: a process definition under construction (`Proc`) and the
//! printing context that collects the declarations its terms need (`Ctx`).

use crate::guards::{Guards, Spec};
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
    /// Where the process replicates itself (`!`): the names and lines before it are made
    /// once, those after it once per copy. `(news, lines)` counts at that point.
    replicated_at: Option<(usize, usize)>,
}

impl Proc {
    pub(super) fn new(header: &str) -> Proc {
        Proc {
            header: header.to_string(),
            news: Vec::new(),
            lines: Vec::new(),
            replicated_at: None,
        }
    }

    /// Everything from here on runs unboundedly often for each run of what came before
    /// (and the names it makes are fresh in each copy).
    pub(super) fn replicate(&mut self) {
        assert!(self.replicated_at.is_none(), "a process replicates once");
        self.replicated_at = Some((self.news.len(), self.lines.len()));
    }

    pub(super) fn fresh(&mut self, name: &str, ty: Ty) -> String {
        self.news.push((name.to_string(), ty));
        name.to_string()
    }

    /// A fresh name made here, after what the process has received so far, not hoisted:
    /// ProVerif then tells apart the names of sessions that received different messages
    /// (a per-session secret whose secrecy depends on what the session received). It gets
    /// no secrecy assumption (it may well leak in some sessions).
    pub(super) fn fresh_here(&mut self, name: &str, ty: Ty) -> String {
        self.lines.push(format!("new {name}: {};", ty.pv()));
        name.to_string()
    }

    pub(super) fn line(&mut self, l: impl Into<String>) {
        self.lines.push(l.into());
    }

    pub(super) fn text(&self) -> String {
        let mut out = format!("let {} =\n", self.header);
        let (news, lines) = self
            .replicated_at
            .unwrap_or((self.news.len(), self.lines.len()));
        let part = |out: &mut String, news: &[(String, Ty)], lines: &[String]| {
            for (n, ty) in news {
                out.push_str(&format!("  new {n}: {};\n", ty.pv()));
            }
            for l in lines {
                out.push_str(&format!("  {l}\n"));
            }
        };
        part(&mut out, &self.news[..news], &self.lines[..lines]);
        if self.replicated_at.is_some() {
            out.push_str("  !\n");
            part(&mut out, &self.news[news..], &self.lines[lines..]);
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

/// Printing context: the declarations a model needs, its profile's letfuns, and what the
/// spec it is the model of checks and deletes.
pub(super) struct Ctx {
    /// The profile whose Double Ratchet the model runs (signal-v4 runs signal-v3's; unused by
    /// Sender Keys).
    pub(super) p: Profile,
    pub(super) family: Family,
    pub(super) d: Decls,
    funs: Vec<LetFun>,
    /// Read from the spec (X3DH and Double Ratchet models only).
    guards: Option<Guards>,
}

/// What `spec` does in `p`. A spec the models cannot express stops the export: a model
/// written without the step would claim a proof about code that does something else.
fn read_guards(spec: &Spec, p: Profile) -> Guards {
    Guards::read(spec, p).unwrap_or_else(|e| {
        panic!(
            "the spec does something the {} models cannot express: {e}",
            p.name()
        )
    })
}

impl Ctx {
    /// An X3DH or Double Ratchet model of `spec` in profile `p`.
    pub(super) fn new(p: Profile, spec: &Spec) -> Ctx {
        let guards = read_guards(spec, p);
        Ctx {
            p,
            family: Family::Pairwise,
            d: Decls::default(),
            funs: schedule::letfuns(p, &guards),
            guards: Some(guards),
        }
    }

    /// A signal-v4 model of `spec`: PQXDH, then signal-v3's Double Ratchet under
    /// signal-v4's version (so the ratchet's guards are read from signal-v3's functions).
    pub(super) fn signal_v4(spec: &Spec) -> Ctx {
        let guards = read_guards(spec, Profile::SignalV3);
        Ctx {
            p: Profile::SignalV3,
            family: Family::Pqxdh,
            d: Decls::default(),
            funs: schedule_v4::letfuns(&guards),
            guards: Some(guards),
        }
    }

    /// A signal-sk-v3 model: Sender Keys.
    pub(super) fn signal_sk_v3() -> Ctx {
        Ctx {
            p: Profile::SignalV3,
            family: Family::SenderKeys,
            d: Decls::default(),
            funs: schedule_sk::letfuns(),
            guards: None,
        }
    }

    /// What the spec of an X3DH, Double Ratchet or PQXDH model checks and deletes.
    pub(super) fn guards(&self) -> &Guards {
        self.guards
            .as_ref()
            .expect("only the X3DH, Double Ratchet and PQXDH models read the spec's guards")
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
            guards: None,
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
