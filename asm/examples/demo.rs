//! The shape of the program tine emits for `@ = count()`: look up this CPU's slot of a per-CPU
//! array and add one in place. Prints its listing and its bytes for a little- and a big-endian
//! target. Run with `cargo run -p tine-asm --example demo`.

use tine_asm::Reg::*;
use tine_asm::{encode, listing, AsmError, Builder, ByteOrder, Helper, Size};

fn main() -> Result<(), AsmError> {
    let map_fd = 3; // the kernel patches the map's address in at load time
    let mut b = Builder::new();
    let out = b.label();
    b.store_imm(Size::U32, R10, -4, 0) // key 0 on the stack
        .load_map_fd(R1, map_fd)
        .mov64(R2, R10)
        .add64_imm(R2, -4)
        .call(Helper::MapLookupElem)
        .jeq_imm(R0, 0, out)
        .load(Size::U64, R1, R0, 0)
        .add64_imm(R1, 1)
        .store(Size::U64, R0, 0, R1)
        .bind(out)
        .mov64_imm(R0, 0)
        .exit();
    let program = b.finish()?;
    print!("{}", listing(&program));
    for order in [ByteOrder::Little, ByteOrder::Big] {
        let bytes = encode(&program, order)?;
        println!("\n{order:?}-endian, {} bytes:", bytes.len());
        for slot in bytes.chunks(8) {
            println!(
                "  {}",
                slot.iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }
    Ok(())
}
