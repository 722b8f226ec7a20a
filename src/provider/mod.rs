//! provider: where a probe spec meets the kernel — one file per provider, each listing its attach
//! points, the variables it adds and how it attaches.

pub mod glob;
pub mod kprobe;
pub mod location;
pub mod tracepoint;
pub mod uprobe;
