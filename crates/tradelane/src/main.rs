fn main() {
    println!("tradelane");
}
