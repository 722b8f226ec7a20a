//! kernel::elf: the function symbols of an ELF file — 32 or 64 bits, either byte order — and
//! where a function's code lies in the file, the offset a uprobe attaches at; its data objects'
//! (bpftrace's `uaddr()`). Reads `.symtab`, and `.dynsym` too, so a stripped binary still shows
//! its exported functions; and the USDT probes its `.note.stapsdt` notes describe.

use std::cell::Cell;
use std::fmt;

use tine_asm::ByteOrder;

/// A defined function symbol (or, among `ElfFile::object`'s, a data object's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    /// Its virtual address in the file's own address space.
    pub address: u64,
    pub size: u64,
    /// 32-bit ARM's Thumb code (the symbol's low address bit), which ARM's uprobes cannot take.
    pub thumb: bool,
}

/// A loadable segment: `size` bytes at file `offset` are mapped at `address`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    address: u64,
    offset: u64,
    size: u64,
}

/// A USDT probe as a SystemTap note (type 3, owner `stapsdt`) describes it: addresses in the
/// file's own address space (moved as `.stapsdt.base` moved, should prelink have moved it),
/// and the assembler's operand of each argument (`-4@%edi 8@-16(%rbp)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub provider: String,
    pub name: String,
    pub address: u64,
    /// 0: none; else a 16-bit counter the program tests before it fires the probe.
    pub semaphore: u64,
    pub arguments: String,
}

#[derive(Debug)]
pub struct ElfFile {
    pub is_64: bool,
    pub big_endian: bool,
    /// `e_machine`: 62 x86_64, 183 aarch64, 40 arm, 8 mips, 21 ppc64, 243 riscv, 258 loongarch.
    pub machine: u16,
    functions: Vec<Function>,
    /// The data objects (`STT_OBJECT`), as their table lists them.
    objects: Vec<Function>,
    segments: Vec<Segment>,
    pub notes: Vec<Note>,
}

/// Why a file could not be read as ELF. Boxed, so that a result moves one pointer (and one of
/// nothing returns in a register).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfError(pub Box<String>);

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const EM_ARM: u16 = 40;
const PT_LOAD: u64 = 1;
const SHT_SYMTAB: u64 = 2;
const SHT_NOTE: u64 = 7;
const SHT_DYNSYM: u64 = 11;
const STT_OBJECT: u8 = 1;
const STT_FUNC: u8 = 2;
const STT_GNU_IFUNC: u8 = 10;

/// Where the fields read lie in each class, as (offset, bytes): ELF32's, then ELF64's.
/// e_phoff, e_shoff, e_phentsize, e_phnum, e_shentsize, e_shnum.
const FILE_HEADER: [&[(u8, u8)]; 2] = [
    &[(28, 4), (32, 4), (42, 2), (44, 2), (46, 2), (48, 2)],
    &[(32, 8), (40, 8), (54, 2), (56, 2), (58, 2), (60, 2)],
];
/// p_type, p_offset, p_vaddr, p_filesz.
const PROGRAM_HEADER: [&[(u8, u8)]; 2] = [
    &[(0, 4), (4, 4), (8, 4), (16, 4)],
    &[(0, 4), (8, 8), (16, 8), (32, 8)],
];
/// sh_type, sh_offset, sh_size, sh_link, sh_entsize, sh_addr.
const SECTION_HEADER: [&[(u8, u8)]; 2] = [
    &[(4, 4), (16, 4), (20, 4), (24, 4), (36, 4), (12, 4)],
    &[(4, 4), (24, 8), (32, 8), (40, 4), (56, 8), (16, 8)],
];
/// st_name, st_info, st_shndx, st_value, st_size.
const SYMBOL: [&[(u8, u8)]; 2] = [
    &[(0, 4), (12, 1), (14, 2), (4, 4), (8, 4)],
    &[(0, 4), (4, 1), (6, 2), (8, 8), (16, 8)],
];

/// Bounds-checked reads in the file's byte order and word size. Offsets come from the file and
/// may be anything: arithmetic on them wraps, and `slice` turns anything out of bounds into no
/// bytes, noting the first such read in `cut` (length, offset); the loops stop at it and `parse`
/// reports it (binary size: no `Result` through every read).
struct Reader<'a> {
    bytes: &'a [u8],
    big_endian: bool,
    is_64: bool,
    cut: Cell<Option<(u64, u64)>>,
}

impl Reader<'_> {
    // Not inlined: every read goes through it (binary size).
    #[inline(never)]
    fn slice(&self, offset: u64, length: u64) -> &[u8] {
        let end = offset
            .checked_add(length)
            .filter(|&end| end <= self.bytes.len() as u64);
        match end {
            Some(end) => &self.bytes[offset as usize..end as usize],
            None => {
                if self.cut.get().is_none() {
                    self.cut.set(Some((length, offset)));
                }
                &[]
            }
        }
    }

    /// Whether a read went past the end: what the loops stop at.
    fn is_cut(&self) -> bool {
        self.cut.get().is_some()
    }

    fn unsigned(&self, offset: u64, size: u64) -> u64 {
        let order = if self.big_endian {
            ByteOrder::Big
        } else {
            ByteOrder::Little
        };
        crate::wire::unsigned(self.slice(offset, size), size as usize, order)
    }

    /// The fields at `layout` (offset, bytes: ELF32's, then ELF64's) of the entry at `at`, as
    /// many as `layout` has; the rest 0.
    fn fields(&self, at: u64, layout: [&[(u8, u8)]; 2]) -> [u64; 6] {
        let mut values = [0; 6];
        for (value, &(offset, size)) in values.iter_mut().zip(layout[usize::from(self.is_64)]) {
            *value = self.unsigned(at.wrapping_add(u64::from(offset)), u64::from(size));
        }
        values
    }

    /// Where the `count` entries of `size` bytes each from `offset` start.
    fn entries(&self, offset: u64, size: u64, count: u64) -> impl Iterator<Item = u64> + '_ {
        (0..count).map(move |index| offset.wrapping_add(index.wrapping_mul(size)))
    }

    /// The fields at `layout` of each of the `count` headers of `size` bytes from `offset`.
    fn headers(
        &self,
        offset: u64,
        size: u64,
        count: u64,
        layout: [&[(u8, u8)]; 2],
    ) -> Vec<[u64; 6]> {
        let mut headers = Vec::new();
        for header in self.entries(offset, size, count) {
            self.slice(header, size);
            if self.is_cut() {
                break;
            }
            headers.push(self.fields(header, layout));
        }
        headers
    }

    /// Adds the functions and the data objects `section` defines, when it is a symbol table.
    fn functions(
        &self,
        section: &[u64; 6],
        sections: &[[u64; 6]],
        machine: u16,
        [functions, objects]: &mut [Vec<Function>; 2],
    ) -> Result<(), ElfError> {
        let &[kind, offset, size, link, entry_size, _] = section;
        if !(kind == SHT_SYMTAB || kind == SHT_DYNSYM) || entry_size == 0 {
            return Ok(());
        }
        let &[_, strings_offset, strings_size, ..] =
            sections.get(link as usize).ok_or_else(|| {
                ElfError(Box::new(format!(
                    "a symbol table links to section {link}, which does not exist"
                )))
            })?;
        for symbol in self.entries(offset, entry_size, size / entry_size) {
            self.slice(symbol, entry_size);
            if self.is_cut() {
                break;
            }
            let [name, info, section, address, size, _] = self.fields(symbol, SYMBOL);
            // Section 0 is "undefined": a function this file imports, not one it has.
            let kind = info as u8 & 0xf;
            if !matches!(kind, STT_OBJECT | STT_FUNC | STT_GNU_IFUNC) || section == 0 {
                continue;
            }
            let name = self.string((strings_offset, strings_size), name);
            if kind == STT_OBJECT {
                let thumb = false;
                objects.push(Function {
                    name,
                    address,
                    size,
                    thumb,
                });
                continue;
            }
            // ARM marks Thumb functions with the low address bit; the code starts without it.
            let thumb = machine == EM_ARM && address & 1 == 1;
            let address = address & !u64::from(thumb);
            if !functions
                .iter()
                .any(|function| function.name == name && function.address == address)
            {
                functions.push(Function {
                    name,
                    address,
                    size,
                    thumb,
                });
            }
        }
        Ok(())
    }

    /// Adds the USDT probes of a note section, moved as far as `.stapsdt.base` (at `base`) is
    /// from where each note recorded it (prelink's doing).
    #[inline(never)]
    fn notes(&self, section: &[u64; 6], base: Option<u64>, notes: &mut Vec<Note>) {
        let word = if self.is_64 { 8 } else { 4 };
        let &[_, offset, size, ..] = section;
        let end = offset.saturating_add(size);
        let mut at = offset;
        while at < end && !self.is_cut() {
            // Saturating: each note moves `at` forward, whatever its sizes say.
            let [name_size, size, kind] =
                [0, 4, 8].map(|field| self.unsigned(at.saturating_add(field), 4));
            let name = at.saturating_add(12);
            let description = name.saturating_add(name_size.next_multiple_of(4));
            at = description.saturating_add(size.next_multiple_of(4));
            if kind != 3 || self.slice(name, name_size) != b"stapsdt\0" {
                continue;
            }
            let field = |index: u64| description.wrapping_add(index * word);
            let [address, recorded, semaphore] =
                [0, 1, 2].map(|index| self.unsigned(field(index), word));
            let moved = base
                .filter(|_| recorded != 0)
                .map_or(0, |base| base.wrapping_sub(recorded));
            let text = self.slice(field(3), size.saturating_sub(3 * word));
            let text = String::from_utf8_lossy(text);
            let mut strings = crate::words::split(&text, 0);
            let mut next = || strings.next().unwrap_or_default().to_string();
            notes.push(Note {
                provider: next(),
                name: next(),
                address: address.wrapping_add(moved),
                semaphore: if semaphore == 0 {
                    0
                } else {
                    semaphore.wrapping_add(moved)
                },
                arguments: next(),
            });
        }
    }

    /// The NUL-terminated string at `offset` of a string table.
    fn string(&self, table: (u64, u64), offset: u64) -> String {
        let (table_offset, table_size) = table;
        let bytes = self.slice(
            table_offset.wrapping_add(offset.min(table_size)),
            table_size - offset.min(table_size),
        );
        let end = bytes
            .iter()
            .position(|&byte| byte == 0)
            .unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..end]).into_owned()
    }
}

impl ElfFile {
    pub fn read(path: &str) -> Result<ElfFile, ElfError> {
        let bytes = super::read_file(path).map_err(|error| {
            let error = super::error::IoText(&error);
            ElfError(Box::new(format!("cannot read {path}: {error}")))
        })?;
        ElfFile::parse(&bytes)
            .map_err(|ElfError(message)| ElfError(Box::new(format!("{path}: {message}"))))
    }

    pub fn parse(bytes: &[u8]) -> Result<ElfFile, ElfError> {
        if bytes.len() < 16 || &bytes[..4] != b"\x7fELF" {
            return Err(ElfError(Box::new("not an ELF file".into())));
        }
        let is_64 = match bytes[4] {
            1 => false,
            2 => true,
            class => return Err(ElfError(Box::new(format!("unknown ELF class {class}")))),
        };
        let big_endian = match bytes[5] {
            1 => false,
            2 => true,
            data => return Err(ElfError(Box::new(format!("unknown ELF byte order {data}")))),
        };
        let r = Reader {
            bytes,
            big_endian,
            is_64,
            cut: Cell::new(None),
        };
        let [phoff, shoff, phentsize, phnum, shentsize, shnum] = r.fields(0, FILE_HEADER);
        let machine = r.unsigned(18, 2) as u16;
        let mut segments = Vec::new();
        for [kind, offset, address, size, ..] in r.headers(phoff, phentsize, phnum, PROGRAM_HEADER)
        {
            if kind == PT_LOAD {
                segments.push(Segment {
                    address,
                    offset,
                    size,
                });
            }
        }
        let sections = r.headers(shoff, shentsize, shnum, SECTION_HEADER);
        let mut symbols = [Vec::new(), Vec::new()];
        for section in &sections {
            if r.is_cut() {
                break;
            }
            r.functions(section, &sections, machine, &mut symbols)?;
        }
        let [functions, objects] = symbols;
        // Where `.stapsdt.base` is, which each USDT note recorded where it was.
        let names = sections.get(r.unsigned(if is_64 { 62 } else { 50 }, 2) as usize);
        let base = names.and_then(|names| {
            let index = (0..shnum).position(|index| {
                let name = r.unsigned(shoff.wrapping_add(index.wrapping_mul(shentsize)), 4);
                let name = names[1].wrapping_add(name) as usize;
                bytes
                    .get(name..)
                    .is_some_and(|name| name.starts_with(b".stapsdt.base\0"))
            })?;
            Some(sections.get(index)?[5])
        });
        let mut notes = Vec::new();
        for section in &sections {
            if section[0] == SHT_NOTE {
                r.notes(section, base, &mut notes);
            }
        }
        if let Some((length, offset)) = r.cut.get() {
            return Err(ElfError(Box::new(format!(
                "the file is cut short: {length} bytes at offset {offset} are past its end"
            ))));
        }
        Ok(ElfFile {
            is_64,
            big_endian,
            machine,
            functions,
            objects,
            segments,
            notes,
        })
    }

    pub fn functions(&self) -> &[Function] {
        &self.functions
    }

    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|function| function.name == name)
    }

    /// The data object `name` (a global variable): its address and size.
    pub fn object(&self, name: &str) -> Option<&Function> {
        self.objects.iter().find(|object| object.name == name)
    }

    /// The file offset of the code at `address`, through the loadable segment that maps it.
    pub fn file_offset(&self, address: u64) -> Option<u64> {
        self.segments
            .iter()
            .find(|segment| segment.address <= address && address - segment.address < segment.size)
            .map(|segment| segment.offset + (address - segment.address))
    }

    /// The function whose code is at `offset` in the file, and how far into it: what a user
    /// stack frame is, once its address is turned into a file offset through the process's
    /// mappings.
    pub fn function_at_file_offset(&self, offset: u64) -> Option<(&Function, u64)> {
        let segment = self
            .segments
            .iter()
            .find(|segment| segment.offset <= offset && offset - segment.offset < segment.size)?;
        let address = segment.address + (offset - segment.offset);
        // The highest start that holds the address (the last of equals, as `max_by_key`).
        let mut best: Option<&Function> = None;
        for function in &self.functions {
            let holds = function.address <= address
                && (function.size == 0 || address - function.address < function.size);
            if holds && best.map_or(true, |best| function.address >= best.address) {
                best = Some(function);
            }
        }
        best.map(|function| (function, address - function.address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str, bytes: &[u8], is_64: bool, big_endian: bool, address: u64, offset: u64) {
        let elf = ElfFile::parse(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((elf.is_64, elf.big_endian), (is_64, big_endian), "{name}");
        let function = elf
            .function("probe_me")
            .unwrap_or_else(|| panic!("{name}: no probe_me in {:?}", elf.functions()));
        assert_eq!((function.address, function.size), (address, 8), "{name}");
        assert_eq!(elf.file_offset(function.address), Some(offset), "{name}");
        let (found, into) = elf
            .function_at_file_offset(offset + 4)
            .unwrap_or_else(|| panic!("{name}: nothing at {offset:#x}+4"));
        assert_eq!((found.name.as_str(), into), ("probe_me", 4), "{name}");
    }

    /// Fixtures made by tests/fixtures/elf/generate.sh; addresses and offsets as llvm-readelf
    /// reports them.
    #[test]
    fn reads_both_byte_orders_and_word_sizes() {
        fixture(
            "mips32-be",
            include_bytes!("../../tests/fixtures/elf/mips32-be.elf"),
            false,
            true,
            0x20158,
            0x158,
        );
        fixture(
            "ppc64-be",
            include_bytes!("../../tests/fixtures/elf/ppc64-be.elf"),
            true,
            true,
            0x10010160,
            0x160,
        );
    }

    #[test]
    fn a_stripped_library_still_has_its_exported_functions() {
        let bytes = include_bytes!("../../tests/fixtures/elf/aarch64-le-stripped.so");
        fixture("aarch64-le-stripped", bytes, true, false, 0x10270, 0x270);
        assert_eq!(ElfFile::parse(bytes).unwrap().machine, 183);
    }

    /// ARM's Thumb functions are marked, and start at their symbol's address less its low bit.
    #[test]
    fn arm_functions_say_whether_they_are_thumb_code() {
        let bytes = include_bytes!("../../tests/fixtures/elf/armv7-thumb.elf");
        fixture("armv7", bytes, false, false, 0x200bc, 0xbc);
        let elf = ElfFile::parse(bytes).unwrap();
        assert!(!elf.function("probe_me").unwrap().thumb);
        let thumb = elf.function("thumb_me").unwrap();
        assert_eq!((thumb.address, thumb.size, thumb.thumb), (0x200c4, 4, true));
        assert_eq!(elf.function_at_file_offset(0xc6).unwrap().0, thumb);
        // The same low bit elsewhere is an address like any other.
        let mips =
            ElfFile::parse(include_bytes!("../../tests/fixtures/elf/mips32-be.elf")).unwrap();
        assert!(mips.functions().iter().all(|function| !function.thumb));
    }

    /// USDT notes of 32-bit big-endian MIPS, moved as far as `.stapsdt.base` moved from where
    /// they recorded it (tests/fixtures/elf/generate.sh; addresses as llvm-readelf gives them).
    #[test]
    fn usdt_notes_are_read_and_moved_with_their_base() {
        let bytes = include_bytes!("../../tests/fixtures/elf/mips32-be-usdt.elf");
        let elf = ElfFile::parse(bytes).unwrap();
        let probe_me = elf.function("probe_me").unwrap().address;
        let note = |name: &str, address, semaphore, arguments: &str| Note {
            provider: "tine".into(),
            name: name.into(),
            address,
            semaphore,
            arguments: arguments.into(),
        };
        assert_eq!(
            elf.notes,
            [
                note("first", probe_me, 0x30164, "-4@$4 4@8($sp)"),
                note("second", probe_me + 4, 0, "")
            ]
        );
        assert_eq!(elf.file_offset(0x30164), Some(0x164));
        // A file without notes has none.
        assert!(
            ElfFile::parse(include_bytes!("../../tests/fixtures/elf/mips32-be.elf"))
                .unwrap()
                .notes
                .is_empty()
        );
    }

    #[inline(never)]
    pub extern "C" fn elf_test_marker() -> u64 {
        std::hint::black_box(42)
    }

    /// The offset computed from the file agrees with where the kernel's loader mapped the code.
    #[test]
    #[cfg_attr(
        not(debug_assertions),
        ignore = "the release profile strips the symbols"
    )]
    fn agrees_with_the_loader_about_this_test_binary() {
        let elf = ElfFile::read("/proc/self/exe").unwrap();
        let function = elf
            .functions()
            .iter()
            .find(|function| function.name.contains("elf_test_marker"))
            .expect("the marker symbol");
        let runtime = elf_test_marker as *const () as usize as u64;
        let mappings = crate::kernel::memory_map::read(None).unwrap();
        let (_, mapped_offset) = crate::kernel::memory_map::file_offset(&mappings, runtime)
            .expect("a mapping holds the marker");
        assert_eq!(elf.file_offset(function.address), Some(mapped_offset));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(
            ElfFile::parse(b"hello").unwrap_err(),
            ElfError(Box::new("not an ELF file".into()))
        );
        let mut bytes = include_bytes!("../../tests/fixtures/elf/ppc64-be.elf").to_vec();
        bytes.truncate(200);
        assert!(ElfFile::parse(&bytes).unwrap_err().0.contains("cut short"));
        // Every truncation and every flipped byte of a real file either parses or fails cleanly.
        for original in [
            &include_bytes!("../../tests/fixtures/elf/mips32-be.elf")[..],
            include_bytes!("../../tests/fixtures/elf/mips32-be-usdt.elf"),
        ] {
            for length in 0..original.len() {
                let _ = ElfFile::parse(&original[..length]);
            }
            for index in 0..original.len() {
                let mut bytes = original.to_vec();
                bytes[index] ^= 0xff;
                let _ = ElfFile::parse(&bytes);
            }
        }
    }
}
