//! Reader for the Bischoff & Ratcliff container-loading instances (OR-Library `thpack` format).
//! Parses text only; the caller reads the file.

use crate::error::PlanError;
use crate::model::{Container, ItemType, Problem, Settings};

#[derive(Debug, Clone)]
pub struct BrInstance {
    /// Problem number as given in the file.
    pub number: u32,
    pub problem: Problem,
}

/// Parses a whole file: the problem count, then per problem the number and seed, the container
/// (length, width, height), the number of box types and one line per type
/// `i length flag width flag height flag quantity` (flag 1 = that dimension may stand vertically).
pub fn parse(text: &str, settings: &Settings) -> Result<Vec<BrInstance>, PlanError> {
    let mut tokens = text
        .lines()
        .enumerate()
        .flat_map(|(ln, l)| l.split_whitespace().map(move |t| (ln + 1, t)));
    let mut last_line = 0usize;
    let mut next = |what: &str| -> Result<i64, PlanError> {
        match tokens.next() {
            Some((ln, t)) => {
                last_line = ln;
                t.parse::<i64>().map_err(|_| PlanError::Parse {
                    line: ln,
                    message: format!("expected an integer {what}, found {t:?}"),
                })
            }
            None => Err(PlanError::Parse {
                line: last_line,
                message: format!("file ends where {what} was expected"),
            }),
        }
    };
    let count = next("problem count")?;
    let mut out = Vec::new();
    for _ in 0..count {
        let number = next("problem number")?;
        let _seed = next("generator seed")?;
        let dims = [
            next("container length")?,
            next("container width")?,
            next("container height")?,
        ];
        let types = next("number of box types")?;
        let mut items = Vec::new();
        for _ in 0..types {
            let id = next("box type number")?;
            let mut d = [0i64; 3];
            let mut v = [false; 3];
            for k in 0..3 {
                d[k] = next("box dimension")?;
                v[k] = next("vertical flag")? == 1;
            }
            let q = next("quantity")?;
            let quantity = u32::try_from(q).map_err(|_| PlanError::Parse {
                line: 0,
                message: format!("problem {number}, box type {id}: quantity {q} out of range"),
            })?;
            items.push(ItemType::new(id.to_string(), d, quantity).with_vertical_allowed(v));
        }
        let container = Container::custom(format!("BR problem {number}"), dims, None);
        out.push(BrInstance {
            number: number as u32,
            problem: Problem::new(container, items, settings.clone())?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_hand_written_instance() {
        let text = " 1\n 7 123\n 100 50 40\n 2\n 1 30 0 20 1 10 1 5\n 2 25 1 25 1 25 1 3\n";
        let v = parse(text, &Settings::default()).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].number, 7);
        let items = v[0].problem.items();
        assert_eq!(items[0].dims, [30, 20, 10]);
        assert_eq!(items[0].vertical_allowed, [false, true, true]);
        assert_eq!(items[1].quantity, 3);
        assert_eq!(v[0].problem.container().dims, [100, 50, 40]);
    }

    #[test]
    fn truncated_or_garbled_input_is_an_error_with_a_line() {
        assert!(parse(" 1\n 7 123\n 100 50", &Settings::default()).is_err());
        let err = parse(" 1\n 7 x\n", &Settings::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: expected an integer generator seed, found \"x\""
        );
    }
}
