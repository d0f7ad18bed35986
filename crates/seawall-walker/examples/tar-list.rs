//! Lists an uncompressed tar as the walker reads it — one line per entry (hex name, type flag, size,
//! hex link target, content digest) or `ERR` — in the format of a small Go program using
//! `archive/tar`, for differential checks against the reader the runtimes use.
//!
//! `cargo run -p seawall-walker --example tar-list -- FILE`
#![expect(clippy::print_stdout, reason = "an example program: what it prints is its output")]

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: tar-list FILE")?;
    let bytes = fs_err::read(path)?;
    match seawall_walker::list_tar(&bytes, 1 << 32) {
        Ok(entries) => {
            for e in entries {
                println!(
                    "{} {} {} {} {}",
                    hex::encode(&e.name),
                    e.typeflag,
                    e.size,
                    hex::encode(&e.link),
                    e.content
                );
            }
        }
        Err(e) => println!("ERR {e}"),
    }
    Ok(())
}
