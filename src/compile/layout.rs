//! compile::layout: how a value of a sema type sits in the bytes a probe sends, for output.

use crate::sema::types::{StructType, Type};
use crate::wire::{Field, Layout};

pub fn layout_of(ty: &Type) -> Layout {
    match ty {
        // Sema lets no C struct through as a value: an array of them is bytes.
        Type::Void | Type::CStruct(_) | Type::Named(_) => Layout::Array(
            Box::new(Layout::Int {
                bytes: 1,
                signed: false,
            }),
            ty.size(),
        ),
        Type::Int { bytes, signed } => Layout::Int {
            bytes: usize::from(*bytes),
            signed: *signed,
        },
        Type::Pointer { .. } => Layout::Pointer,
        Type::Chars(length) => Layout::Chars(*length),
        Type::Array(element, count) => Layout::Array(Box::new(layout_of(element)), *count as usize),
        Type::Struct(record) => struct_layout(record),
        Type::Id(id) => Layout::Id { width: id.width() },
        Type::Time => Layout::Time,
        Type::WallTime => Layout::WallTime,
        Type::Strftime(format) => Layout::Strftime(format.to_string()),
        Type::KernelAddress => Layout::KernelAddress,
        Type::Stack(stack) => Layout::Stack(*stack),
        Type::UserAddress => Layout::UserAddress,
        Type::Inet => Layout::Inet,
        Type::Buffer(capacity) => Layout::Buffer(*capacity),
        Type::Resolved(resolve) => Layout::Resolved(*resolve),
        Type::DataLoc { .. } => Layout::Int {
            bytes: 4,
            signed: false,
        },
    }
}

/// The layout of a struct (a map's key is one).
pub fn struct_layout(record: &StructType) -> Layout {
    let mut fields = Vec::new();
    for field in &record.fields {
        fields.push(Field {
            name: field.name.clone(),
            offset: field.offset,
            layout: layout_of(&field.ty),
        });
    }
    Layout::Struct {
        fields,
        anonymous: record.name.is_none(),
    }
}
