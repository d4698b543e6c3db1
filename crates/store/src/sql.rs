//! A small builder for queries whose WHERE clause depends on the filters given, numbering the
//! `$n` placeholders (which both SQLite and PostgreSQL accept) as values are added.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe};

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I64(i64),
    Text(String),
}

#[derive(Debug, Default)]
pub(crate) struct Filter {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Filter {
    pub(crate) fn new() -> Filter {
        Filter::default()
    }

    /// Next placeholder for a value bound with `arg`.
    pub(crate) fn arg(&mut self, value: Arg) -> String {
        self.args.push(value);
        format!("${}", self.args.len())
    }

    /// Adds `clause`, in which every `{}` is replaced by the placeholder of the next of `values`.
    pub(crate) fn and(&mut self, clause: &str, values: Vec<Arg>) {
        let mut out = String::with_capacity(clause.len() + 8);
        let mut values = values.into_iter();
        let mut parts = clause.split("{}").peekable();
        while let Some(part) = parts.next() {
            out.push_str(part);
            if parts.peek().is_some() {
                match values.next() {
                    Some(v) => {
                        let ph = self.arg(v);
                        out.push_str(&ph);
                    }
                    None => out.push_str("NULL"),
                }
            }
        }
        self.clauses.push(out);
    }

    pub(crate) fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }

    pub(crate) fn query(&self, sql: String) -> Query<'static, Any, AnyArguments> {
        bind_all(sqlx::query(AssertSqlSafe(sql)), &self.args)
    }
}

pub(crate) fn bind_all(
    mut q: Query<'static, Any, AnyArguments>,
    args: &[Arg],
) -> Query<'static, Any, AnyArguments> {
    for a in args {
        q = match a {
            Arg::I64(v) => q.bind(*v),
            Arg::Text(v) => q.bind(v.clone()),
        };
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_in_order() {
        let mut f = Filter::new();
        f.and("org_id = {}", vec![Arg::I64(1)]);
        f.and(
            "(a = {} OR b = {})",
            vec![Arg::Text("x".into()), Arg::Text("y".into())],
        );
        assert_eq!(f.where_sql(), "WHERE org_id = $1 AND (a = $2 OR b = $3)");
        let next = f.arg(Arg::I64(5));
        assert_eq!(next, "$4");
    }
}
