//! `tradelane load plan|br` and `tradelane freight quote` on files written here. These commands
//! need no database, so they run once (on the SQLite environment only).

use crate::helpers::Env;

const CARTONS: &str = "id,length (cm),width (cm),height (cm),weight (kg),qty,this_side_up,stackable,stop\n\
                       TV,120,80,20,25,6,yes,no,1\n\
                       BOX-A,60,40,40,12,40,no,yes,1\n\
                       BOX-B,50,50,30,8,30,no,yes,2\n";

#[test]
fn load_plan_prints_figures_and_writes_svg_and_json() {
    let env = Env::sqlite();
    let csv = env.write("cartons.csv", CARTONS.as_bytes());
    let svg = env.data_dir().join("plan.svg");
    let run = env.ok(&[
        "load",
        "plan",
        csv.to_str().unwrap(),
        "--container",
        "20GP",
        "--time-budget",
        "300ms",
        "--seed",
        "7",
        "-o",
        svg.to_str().unwrap(),
    ]);
    // 6 + 40 + 30 cartons, 7.24 m³ and 870 kg in all: everything fits in a 20GP.
    assert!(
        run.stdout.contains("Loaded 76 of 76 cartons"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Volume utilisation"), "{}", run.stdout);
    assert!(run.stdout.contains("Weight 870.0 kg"), "{}", run.stdout);
    assert!(run.stdout.contains("Centre of gravity x"), "{}", run.stdout);
    assert!(run.stdout.contains("Unplaced: none"), "{}", run.stdout);
    let picture = std::fs::read_to_string(&svg).expect("svg written");
    assert!(picture.starts_with("<svg"));
    // Three visible faces per carton, a legend row per carton type.
    assert_eq!(picture.matches("<g><title>").count(), 76);
    assert!(picture.contains("BOX-B — 500 × 500 × 300 mm"));

    let json = env.data_dir().join("plan.json");
    env.ok(&[
        "load",
        "plan",
        csv.to_str().unwrap(),
        "--container",
        "20GP",
        "--time-budget",
        "200ms",
        "-o",
        json.to_str().unwrap(),
    ]);
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(value["plan"]["placements"].as_array().unwrap().len(), 76);
    assert_eq!(value["container"]["dims"][0], 5898);
}

#[test]
fn carton_larger_than_the_container_is_reported_unplaced() {
    let env = Env::sqlite();
    let csv = env.write(
        "big.csv",
        "箱号,长(mm),宽(mm),高(mm),重量(kg),数量\nPIPE,7000,300,300,40,1\nSMALL,500,400,300,10,3\n"
            .as_bytes(),
    );
    let run = env.ok(&[
        "load",
        "plan",
        csv.to_str().unwrap(),
        "--container",
        "20GP",
        "--time-budget",
        "200ms",
    ]);
    assert!(
        run.stdout.contains("Loaded 3 of 4 cartons"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("PIPE × 1: larger than the container in every allowed orientation"),
        "{}",
        run.stdout
    );
}

#[test]
fn zero_dimension_is_a_clear_error_with_exit_2() {
    let env = Env::sqlite();
    let csv = env.write(
        "zero.csv",
        b"id,length,width,height,weight,qty\nA,60,0,40,5,1\n",
    );
    let run = env.run(&[
        "load",
        "plan",
        csv.to_str().unwrap(),
        "--time-budget",
        "100ms",
    ]);
    run.exit_code(2);
    assert!(run.stderr.contains("row 2, column width"), "{}", run.stderr);
    assert!(run.stderr.contains("greater than 0"), "{}", run.stderr);
}

#[test]
fn freight_quote_sorts_and_never_quotes_an_expired_card() {
    let env = Env::sqlite();
    let cartons = env.write(
        "cartons.csv",
        b"id,length,width,height,weight,qty\nA,50,40,30,8,3\n",
    );
    // 3 × 50×40×30 cm = 180,000 cm³: express ÷5000 = 36 kg, air ÷6000 = 30 kg; actual 24 kg.
    // EXP1: 36 × 32 = 1152 + fuel 10 % 115.20 = 1267.20. AIR1: 30 × 30 = 900 + clearance 50 = 950.
    // OLD: would be 30 kg × 1 = 30, but expired on 2026-02-28: never quoted.
    let cards = env.write(
        "rates.csv",
        "编号,货代,起运地,目的地,运输方式,币种,单价,燃油附加费,报关费,生效日期,失效日期,时效\n\
         EXP1,Quick Express,CNSZX,US,快递,USD,0:40;21:32,10,,2026-01-01,2026-12-31,4-6\n\
         AIR1,Sky Cargo,CNSZX,USLAX,空运,USD,30,,50,2026-01-01,2026-12-31,7-9\n\
         OLD,Cheap Old,CNSZX,USLAX,空运,USD,1,,,2025-01-01,2026-02-28,7\n"
            .as_bytes(),
    );
    let args = [
        "freight",
        "quote",
        cartons.to_str().unwrap(),
        "--cards",
        cards.to_str().unwrap(),
        "--lane",
        "CNSZX-USLAX",
        "--date",
        "2026-03-15",
    ];
    let run = env.ok(&args);
    let air = run.stdout.find("AIR1").expect("AIR1 quoted");
    let exp = run.stdout.find("EXP1").expect("EXP1 quoted");
    assert!(air < exp, "cheapest first:\n{}", run.stdout);
    assert!(run.stdout.contains("950.00 USD"), "{}", run.stdout);
    assert!(run.stdout.contains("1267.20 USD"), "{}", run.stdout);
    assert!(
        run.stdout.contains("OLD: expired on 2026-02-28"),
        "{}",
        run.stdout
    );

    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let run = env.ok(&json_args);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = value["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["card_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["AIR1", "EXP1"]);
}
