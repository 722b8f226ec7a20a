//! ctypes::spell: a type's C spelling (`struct task_struct *`, `int (*)(struct file *, long)`),
//! written once over any source (messages name types with it).

use std::fmt::Write as _;

use crate::words::nth_word;

use super::{too_deep, CType, Int, Prototype, TypeError, TypeId, TypeSource, MAX_DEPTH, MAX_WORK};

pub(super) fn name_of(source: &dyn TypeSource, id: TypeId) -> Result<String, TypeError> {
    spell(source, id, String::new(), 0, &mut { MAX_WORK })
}

/// The type `id` declaring `inner` (C's declarators read inside out): one step per type,
/// what each adds written around `inner` (`*`, `[4]`, `(int)`, a pointer's `const`) or before
/// the whole (a qualifier of anything else).
fn spell(
    source: &dyn TypeSource,
    mut id: TypeId,
    mut inner: String,
    mut depth: usize,
    work: &mut usize,
) -> Result<String, TypeError> {
    let mut spelled = String::new();
    loop {
        *work = work.saturating_sub(1);
        if depth > MAX_DEPTH || *work == 0 {
            return Err(too_deep(id));
        }
        depth += 1;
        let ty = source.get(id)?;
        // A named type: its tag ("struct", or none) and name.
        let (tag, name) = match &*ty {
            CType::Void => ("", "void"),
            CType::Int(Int { name, .. })
            | CType::Float { name, .. }
            | CType::Typedef { name, .. }
            | CType::Function { name, .. }
            | CType::Variable { name, .. }
            | CType::Section { name, .. } => ("", name.as_str()),
            CType::Struct(composite) => ("struct", composite.name.as_str()),
            CType::Union(composite) => ("union", composite.name.as_str()),
            CType::Enum(found) => ("enum", found.name.as_str()),
            CType::Forward { name, union } => {
                (if *union { "union" } else { "struct" }, name.as_str())
            }
            CType::Pointer { target } => {
                let wrap = matches!(
                    *source.get(*target)?,
                    CType::Array { .. } | CType::Prototype(_)
                );
                inner.insert_str(0, if wrap { "(*" } else { "*" });
                if wrap {
                    inner.push(')');
                }
                id = *target;
                continue;
            }
            CType::Array {
                element, length, ..
            } => {
                // Writing to a String cannot fail.
                let _ = write!(inner, "[{length}]");
                id = *element;
                continue;
            }
            // `const int`, or `int *const` (a pointer's qualifier is written after its `*`).
            CType::Qualified { qualifier, target } => {
                let word =
                    nth_word("const volatile restrict", *qualifier as usize).unwrap_or_default();
                if matches!(*source.get(*target)?, CType::Pointer { .. }) {
                    inner.insert_str(0, if inner.is_empty() { "" } else { " " });
                    inner.insert_str(0, word);
                } else {
                    spelled.push_str(word);
                    spelled.push(' ');
                }
                id = *target;
                continue;
            }
            CType::TypeTag { target, .. } | CType::DeclTag { target, .. } => {
                id = *target;
                continue;
            }
            // `int (*)(struct file *, long)`.
            CType::Prototype(prototype) => {
                spell_parameters(source, prototype, &mut inner, depth, work)?;
                id = prototype.returns;
                continue;
            }
        };
        return Ok(spell_named(spelled, tag, name, &inner));
    }
}

/// The named type `tag name` (`struct sock`, `int`) declaring `inner`, after `spelled` (its
/// qualifiers).
fn spell_named(mut spelled: String, tag: &str, name: &str, inner: &str) -> String {
    spelled.push_str(tag);
    if !tag.is_empty() {
        spelled.push(' ');
        spelled.push_str(if name.is_empty() { "(anonymous)" } else { name });
    } else {
        spelled.push_str(name);
    }
    if !inner.is_empty() {
        if !inner.starts_with('[') {
            spelled.push(' ');
        }
        spelled.push_str(inner);
    }
    spelled
}

/// A prototype's parameters after `inner`: `(struct file *, long)`, `(void)`, `(int, ...)`.
fn spell_parameters(
    source: &dyn TypeSource,
    prototype: &Prototype,
    inner: &mut String,
    depth: usize,
    work: &mut usize,
) -> Result<(), TypeError> {
    inner.push('(');
    for (index, parameter) in prototype.parameters.iter().enumerate() {
        if index > 0 {
            inner.push_str(", ");
        }
        inner.push_str(&spell(
            source,
            parameter.target,
            String::new(),
            depth,
            work,
        )?);
    }
    if prototype.variadic {
        if !prototype.parameters.is_empty() {
            inner.push_str(", ");
        }
        inner.push_str("...");
    } else if prototype.parameters.is_empty() {
        inner.push_str("void");
    }
    inner.push(')');
    Ok(())
}
