//! Writing ProVerif processes: a process definition under construction (`Proc`) and the
//! printing context that collects the declarations its terms need (`Ctx`).

use crate::schedule::{self, counter, LetFun};
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

/// Printing context: the declarations a model needs and its profile's letfuns.
pub(super) struct Ctx {
    pub(super) p: Profile,
    pub(super) d: Decls,
    funs: Vec<LetFun>,
}

impl Ctx {
    pub(super) fn new(p: Profile) -> Ctx {
        Ctx {
            p,
            d: Decls::default(),
            funs: schedule::letfuns(p),
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
