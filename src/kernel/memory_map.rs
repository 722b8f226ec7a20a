//! kernel::memory_map: a process's file mappings from /proc/PID/maps, to turn a code address
//! into a file and an offset in it (uprobe targets, user stack frames).

/// One mapping of a file: `[start, end)` holds the file's bytes from `offset` on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    pub offset: u64,
    pub path: String,
}

/// The file mappings in the text of a `maps` file; anonymous ones are left out.
pub fn parse(text: &str) -> Vec<Mapping> {
    let mut mappings = Vec::new();
    for line in crate::words::lines(text) {
        if let Some(mapping) = parse_line(line) {
            mappings.push(mapping);
        }
    }
    mappings
}

/// `start-end perms offset dev inode path`, when the path is a file's.
fn parse_line(line: &str) -> Option<Mapping> {
    let hex = crate::words::hexadecimal;
    let mut fields = [""; 6];
    let count = crate::words::fields(line, &mut fields);
    let [range, _perms, offset, _dev, _inode, path] = fields;
    if count < 6 || !path.starts_with('/') {
        return None;
    }
    let (start, end) = crate::words::split_once(range, b'-')?;
    Some(Mapping {
        start: hex(start)?,
        end: hex(end)?,
        offset: hex(offset)?,
        path: path.to_string(),
    })
}

/// The mappings of process `pid`, or of this process for None.
pub fn read(pid: Option<u32>) -> std::io::Result<Vec<Mapping>> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/maps"),
        None => "/proc/self/maps".to_string(),
    };
    Ok(parse(&super::read_text(path)?))
}

/// The file holding the code at `address`, and the offset of that code in it.
pub fn file_offset(mappings: &[Mapping], address: u64) -> Option<(&str, u64)> {
    mappings
        .iter()
        .find(|mapping| (mapping.start..mapping.end).contains(&address))
        .map(|mapping| {
            (
                mapping.path.as_str(),
                address - mapping.start + mapping.offset,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_map_to_file_offsets() {
        let text = "\
55d0c0a00000-55d0c0a02000 r--p 00000000 08:01 1234 /usr/bin/cat
55d0c0a02000-55d0c0a07000 r-xp 00002000 08:01 1234 /usr/bin/cat
7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0 [stack]
7f0000000000-7f0000001000 rw-p 00000000 00:00 0
";
        let mappings = parse(text);
        assert_eq!(mappings.len(), 2);
        assert_eq!(
            file_offset(&mappings, 0x55d0c0a02010),
            Some(("/usr/bin/cat", 0x2010))
        );
        assert_eq!(file_offset(&mappings, 0x7ffd1c000010), None);
    }

    #[test]
    fn this_process_maps_its_own_code() {
        let mappings = read(None).expect("read /proc/self/maps");
        let code = addresses_map_to_file_offsets as fn() as usize as u64;
        let (path, _) = file_offset(&mappings, code).expect("our code is mapped from a file");
        assert!(path.contains("tine"), "{path}");
    }
}
