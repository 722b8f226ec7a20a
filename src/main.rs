//! tine's command line: flags, the script, the exit code. Everything else lives in the library.

fn main() {
    eprintln!("tine: nothing to run yet");
    std::process::exit(1);
}
