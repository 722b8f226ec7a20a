//! Recursive descent over the tokens of C definitions, into `Definitions`: declarations,
//! declarators read inside out, constant expressions, the preprocessor's few directives, and
//! the layout of structs and unions as gcc gives it on the target.

use super::lex::{Kind, Token};
use super::{DefinitionError, Definitions, Include};
use crate::ctypes::{
    CType, Composite, Enum, Enumerator, Member, Parameter, Prototype, Qualifier, TypeId,
    TypeSource, VOID,
};

type Result<T> = std::result::Result<T, DefinitionError>;

/// How deep declarators, struct bodies and expressions may nest: garbled input must not
/// overflow the stack.
const MAX_NESTING: usize = 64;

/// `int`, the index type of arrays (as in BTF).
const INT: TypeId = 6;

/// Words of the kernel's sparse annotations and storage classes, which change no layout.
const IGNORED: [&str; 18] = [
    "__user",
    "__kernel",
    "__rcu",
    "__iomem",
    "__percpu",
    "__force",
    "__bitwise",
    "__must_check",
    "__randomize_layout",
    "__no_randomize_layout",
    "__extension__",
    "static",
    "extern",
    "inline",
    "__inline",
    "__inline__",
    "__restrict",
    "__restrict__",
];

const SCALAR_WORDS: [&str; 10] = [
    "signed", "unsigned", "char", "short", "int", "long", "_Bool", "float", "double", "void",
];

#[derive(Clone, Copy, Default)]
struct Attributes {
    packed: bool,
    aligned: u64,
}

/// A member as declared, before layout.
struct Declared<'a> {
    name: &'a str,
    target: TypeId,
    bits: Option<u32>,
    attributes: Attributes,
    token: Option<Token<'a>>,
}

/// An `#if` … `#endif` being read.
struct Condition<'a> {
    active: bool,
    /// Whether a branch was taken already (so `#else` is not).
    taken: bool,
    parent_active: bool,
    seen_else: bool,
    token: Token<'a>,
}

enum Suffix {
    Array(u32),
    Function(Vec<Parameter>, bool),
}

pub(super) struct Parser<'a, 't> {
    tokens: &'t [Token<'a>],
    at: usize,
    definitions: &'t mut Definitions,
    depth: usize,
    conditions: Vec<Condition<'a>>,
    /// Reading a directive's line: its `End` is a token, and `#` is not looked for.
    in_directive: bool,
    /// Reading `#if`'s condition: `defined` works, and unknown names are 0.
    in_condition: bool,
    /// The constants of the enum being read, for its later values.
    enumerators: Vec<(&'a str, i64)>,
}

impl<'a, 't> Parser<'a, 't> {
    pub(super) fn new(tokens: &'t [Token<'a>], definitions: &'t mut Definitions) -> Self {
        Parser {
            tokens,
            at: 0,
            definitions,
            depth: 0,
            conditions: Vec::new(),
            in_directive: false,
            in_condition: false,
            enumerators: Vec::new(),
        }
    }

    pub(super) fn run(mut self) -> Result<()> {
        while self.peek()?.is_some() {
            if !self.eat(";")? {
                self.declaration()?;
            }
        }
        match self.conditions.last() {
            Some(open) => Err(error_at(Some(open.token), "this #if has no #endif")),
            None => Ok(()),
        }
    }

    // Tokens.

    /// The next token of live code: directives are carried out and `#if 0` text passed over.
    fn peek(&mut self) -> Result<Option<Token<'a>>> {
        loop {
            let Some(token) = self.tokens.get(self.at).copied() else {
                return Ok(None);
            };
            if self.in_directive {
                return Ok(Some(token));
            }
            if token.kind == Kind::Hash {
                self.at += 1;
                self.in_directive = true;
                let done = self.directive(token);
                self.in_directive = false;
                done?;
            } else if self.conditions.last().is_some_and(|open| !open.active) {
                self.at += 1;
            } else {
                return Ok(Some(token));
            }
        }
    }

    fn next(&mut self) -> Result<Option<Token<'a>>> {
        let token = self.peek()?;
        if token.is_some() {
            self.at += 1;
        }
        Ok(token)
    }

    fn is(&mut self, text: &str) -> Result<bool> {
        Ok(matches!(self.peek()?.map(|token| token.kind),
            Some(Kind::Punct(found) | Kind::Ident(found)) if found == text))
    }

    fn eat(&mut self, text: &str) -> Result<bool> {
        let found = self.is(text)?;
        if found {
            self.at += 1;
        }
        Ok(found)
    }

    fn expect(&mut self, text: &str) -> Result<()> {
        if self.eat(text)? {
            return Ok(());
        }
        Err(self.error(&format!("expected `{text}`")))
    }

    fn ident(&mut self) -> Result<Option<&'a str>> {
        Ok(match self.peek()?.map(|token| token.kind) {
            Some(Kind::Ident(word)) => Some(word),
            _ => None,
        })
    }

    /// "`what`, found …" at the current token.
    fn error(&mut self, what: &str) -> DefinitionError {
        let token = self.tokens.get(self.at).copied();
        let found = match token.map(|token| token.kind) {
            None => "the end of the definitions".to_string(),
            Some(Kind::End) => "the end of the line".to_string(),
            Some(Kind::Number(value)) => format!("`{value}`"),
            Some(Kind::Hash) => "`#`".to_string(),
            Some(Kind::Bad(text)) => format!("`{text}`, which is not C"),
            Some(Kind::Ident(text) | Kind::Punct(text) | Kind::Str(text) | Kind::Header(text)) => {
                format!("`{text}`")
            }
        };
        error_at(
            token.or(self.tokens.last().copied()),
            &format!("{what}, found {found}"),
        )
    }

    fn nested<T>(&mut self, parse: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= MAX_NESTING {
            return Err(self.error("definitions nest too deep"));
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn skip_parenthesized(&mut self) -> Result<()> {
        let mut open = 0usize;
        loop {
            match self.next()?.map(|token| token.kind) {
                Some(Kind::Punct("(")) => open += 1,
                Some(Kind::Punct(")")) if open <= 1 => return Ok(()),
                Some(Kind::Punct(")")) => open -= 1,
                Some(Kind::End) | None => return Err(self.error("expected `)`")),
                _ => {}
            }
        }
    }

    // The preprocessor.

    fn directive(&mut self, hash: Token<'a>) -> Result<()> {
        let active = self.conditions.last().map_or(true, |open| open.active);
        let word = match self.next()?.map(|token| token.kind) {
            Some(Kind::Ident(word)) => word,
            // `#` alone does nothing; `#!` is the script's first line.
            Some(Kind::End) | None => return Ok(()),
            Some(Kind::Punct("!")) if hash.line == 1 => "!",
            _ if !active => "",
            _ => {
                self.at -= 1;
                return Err(self.error("expected a directive after `#`"));
            }
        };
        match word {
            "ifdef" | "ifndef" | "if" => {
                let value = if !active {
                    false
                } else if word == "if" {
                    self.in_condition = true;
                    let value = self.expression();
                    self.in_condition = false;
                    value? != 0
                } else {
                    let name = self.directive_name(word)?;
                    self.definitions.define(name).is_some() == (word == "ifdef")
                };
                self.conditions.push(Condition {
                    active: active && value,
                    taken: value,
                    parent_active: active,
                    seen_else: false,
                    token: hash,
                });
            }
            "elif" | "else" | "endif" => {
                let Some(open) = self.conditions.last() else {
                    return Err(error_at(Some(hash), &format!("#{word} without #if")));
                };
                if open.seen_else && word != "endif" {
                    return Err(error_at(Some(hash), &format!("#{word} after #else")));
                }
                let (taken, parent_active) = (open.taken, open.parent_active);
                if word == "endif" {
                    self.conditions.pop();
                } else {
                    let value = if taken || !parent_active {
                        false
                    } else if word == "elif" {
                        self.in_condition = true;
                        let value = self.expression();
                        self.in_condition = false;
                        value? != 0
                    } else {
                        true
                    };
                    if let Some(open) = self.conditions.last_mut() {
                        open.active = parent_active && value;
                        open.taken |= value;
                        open.seen_else = word == "else";
                    }
                }
            }
            _ if !active => {}
            "include" => {
                let header = match self.next()?.map(|token| token.kind) {
                    Some(Kind::Header(header)) if !header.is_empty() => header,
                    _ => return Err(error_at(Some(hash), "expected a header after #include")),
                };
                self.definitions.includes.push(Include {
                    line: hash.line,
                    header: header.to_string(),
                });
            }
            "define" => self.define()?,
            "undef" => {
                let name = self.directive_name(word)?;
                self.definitions
                    .defines
                    .retain(|(defined, _)| defined != name);
            }
            "pragma" | "!" => {}
            _ => {
                return Err(error_at(
                    Some(hash),
                    &format!("`#{word}` is not understood here"),
                ))
            }
        }
        // What follows on the line (`#endif // NAME`, `#pragma once`) changes nothing.
        while let Some(token) = self.next()? {
            if token.kind == Kind::End {
                break;
            }
        }
        Ok(())
    }

    fn directive_name(&mut self, word: &str) -> Result<&'a str> {
        match self.ident()? {
            Some(name) => {
                self.at += 1;
                Ok(name)
            }
            None => Err(self.error(&format!("expected a name after #{word}"))),
        }
    }

    fn define(&mut self) -> Result<()> {
        let name_token = self.peek()?;
        let name = self.directive_name("define")?;
        let value = match self.peek()? {
            Some(Token {
                kind: Kind::End, ..
            })
            | None => None,
            Some(Token {
                kind: Kind::Punct("("),
                start,
                ..
            }) if name_token.is_some_and(|token| token.end == start) => {
                return Err(self.error(&format!(
                    "#define {name}(…): macros with parameters are not understood, only \
                     `#define NAME value` with an integer value"
                )));
            }
            Some(_) => {
                let value = self.expression().map_err(|mut error| {
                    error.message = format!(
                        "#define {name}: only integer constants are understood: {}",
                        error.message
                    );
                    error
                })?;
                if !self.is_end()? {
                    return Err(self.error(&format!(
                        "#define {name}: only integer constants are understood: expected the \
                         end of the line"
                    )));
                }
                Some(value)
            }
        };
        self.definitions.defines.push((name.to_string(), value));
        Ok(())
    }

    fn is_end(&mut self) -> Result<bool> {
        Ok(matches!(
            self.peek()?.map(|token| token.kind),
            Some(Kind::End) | None
        ))
    }

    // Declarations.

    fn declaration(&mut self) -> Result<()> {
        let typedef = self.eat("typedef")?;
        let (base, _) = self.specifiers()?;
        if self.eat(";")? {
            return Ok(());
        }
        loop {
            let token = self.peek()?;
            let (name, target) = self.declarator(base, false)?;
            while self.attributes(&mut Attributes::default())? {}
            let Some(name) = name else {
                return Err(self.error("expected a name"));
            };
            if !typedef {
                return Err(error_at(
                    token,
                    &format!(
                        "`{name}` declares a variable or a function: only types (struct, \
                         union, enum, typedef) and #define are understood here"
                    ),
                ));
            }
            let definitions = &mut *self.definitions;
            match definitions.typedef(name) {
                None => {
                    definitions.push(CType::Typedef {
                        name: name.to_string(),
                        target,
                    });
                }
                // The script's own `typedef … u32;` takes the built-in's place.
                Some(id) if id < definitions.builtins => {
                    definitions.types[id as usize] = CType::Typedef {
                        name: name.to_string(),
                        target,
                    };
                }
                Some(id) if definitions.resolve(id).ok() == definitions.resolve(target).ok() => {}
                Some(_) => {
                    return Err(error_at(
                        token,
                        &format!("typedef `{name}` is defined twice"),
                    ))
                }
            }
            if !self.eat(",")? {
                break;
            }
        }
        self.expect(";")
    }

    /// The type a declaration starts with (`const struct sock`, `unsigned long`, `u32`), and
    /// its attributes.
    fn specifiers(&mut self) -> Result<(TypeId, Attributes)> {
        let mut attributes = Attributes::default();
        let (mut constant, mut volatile) = (false, false);
        let mut words = Vec::new();
        let mut base = None;
        let first = self.peek()?;
        while let Some(word) = self.ident()? {
            let open = base.is_none() && words.is_empty();
            match word {
                "const" | "__const" | "__const__" => constant = true,
                "volatile" | "__volatile" | "__volatile__" => volatile = true,
                _ if IGNORED.contains(&word) => {}
                _ if self.attributes(&mut attributes)? => continue,
                _ if base.is_none() && SCALAR_WORDS.contains(&word) => words.push(word),
                "struct" | "union" | "enum" if open => {
                    self.at += 1;
                    base = Some(self.tagged(word)?);
                    continue;
                }
                _ if open => match self.definitions.typedef(word) {
                    Some(id) => base = Some(id),
                    None => break,
                },
                _ => break,
            }
            self.at += 1;
        }
        let mut base = match base {
            Some(base) => base,
            None if !words.is_empty() => self.scalar(&words, first)?,
            None => {
                return Err(match self.ident()? {
                    Some(word) => error_at(
                        self.peek()?,
                        &format!(
                            "unknown type `{word}`: define it above (there are no headers to \
                             include), or run on a kernel with BTF"
                        ),
                    ),
                    None => self.error("expected a type"),
                })
            }
        };
        for (qualified, qualifier) in [
            (volatile, Qualifier::Volatile),
            (constant, Qualifier::Const),
        ] {
            if qualified {
                base = self.definitions.push(CType::Qualified {
                    qualifier,
                    target: base,
                });
            }
        }
        Ok((base, attributes))
    }

    /// `unsigned long`, `short int`, `char`… as the built-in type gcc names.
    fn scalar(&self, words: &[&str], first: Option<Token<'a>>) -> Result<TypeId> {
        let count = |word: &str| words.iter().filter(|found| **found == word).count();
        let (signed, unsigned, int, long) = (
            count("signed"),
            count("unsigned"),
            count("int"),
            count("long"),
        );
        let [char, short, boolean, float, double, void] =
            ["char", "short", "_Bool", "float", "double", "void"].map(count);
        let kinds = char + short + boolean + float + double + void;
        let sign = if unsigned > 0 { "unsigned " } else { "" };
        let name = match (kinds, long) {
            _ if signed + unsigned > 1 || int > 1 || long > 2 || kinds > 1 => None,
            _ if (signed + unsigned + int > 0) && (boolean + float + double + void > 0) => None,
            (_, 1) if double == 1 => {
                return Err(error_at(first, "`long double` is not understood"));
            }
            (_, 1..) if kinds > 0 => None,
            _ if void == 1 => return Ok(VOID),
            _ if boolean == 1 => Some("_Bool".to_string()),
            _ if float == 1 => Some("float".to_string()),
            _ if double == 1 => Some("double".to_string()),
            _ if char == 1 && int == 0 => Some(match (signed, unsigned) {
                (0, 0) => "char".to_string(),
                (1, _) => "signed char".to_string(),
                _ => "unsigned char".to_string(),
            }),
            _ if char == 1 => None,
            _ if short == 1 => Some(format!("short {sign}int")),
            (_, 1) => Some(format!("long {sign}int")),
            (_, 2) => Some(format!("long long {sign}int")),
            _ => Some(format!("{sign}int")),
        };
        let found = match &name {
            Some(name) => self
                .definitions
                .find(crate::ctypes::NameKind::Scalar, name)
                .ok()
                .flatten(),
            None => None,
        };
        found.ok_or_else(|| error_at(first, &format!("`{}` is not a C type", words.join(" "))))
    }

    /// After `struct`, `union` or `enum`: a reference to one, or its definition.
    fn tagged(&mut self, word: &'a str) -> Result<TypeId> {
        let mut attributes = Attributes::default();
        while self.attributes(&mut attributes)? {}
        let token = self.peek()?;
        let name = match self.ident()? {
            Some(name) => {
                self.at += 1;
                name
            }
            None => "",
        };
        let defining = self.is("{")?;
        if !defining && name.is_empty() {
            return Err(self.error(&format!("expected a name or `{{` after `{word}`")));
        }
        let id = match self.definitions.tag(name).filter(|_| !name.is_empty()) {
            Some(id) => {
                let ty = &self.definitions.types[id as usize];
                let (kind, defined) = match ty {
                    CType::Struct(_) => ("struct", true),
                    CType::Union(_) => ("union", true),
                    CType::Forward { union: false, .. } => ("struct", false),
                    CType::Forward { union: true, .. } => ("union", false),
                    _ => (
                        "enum",
                        matches!(ty, CType::Enum(found) if !found.values.is_empty()),
                    ),
                };
                if kind != word {
                    return Err(error_at(
                        token,
                        &format!("`{name}` is a {kind}, not a {word}"),
                    ));
                }
                if defined && defining {
                    return Err(error_at(token, &format!("{word} {name} is defined twice")));
                }
                id
            }
            None if word == "enum" => self.definitions.push(CType::Enum(Enum {
                name: name.to_string(),
                size: 4,
                signed: false,
                values: Vec::new(),
            })),
            None => self.definitions.push(CType::Forward {
                name: name.to_string(),
                union: word == "union",
            }),
        };
        if !defining {
            return Ok(id);
        }
        self.at += 1;
        if word == "enum" {
            let found = self.nested(|parser| parser.enumerators(name))?;
            self.definitions.types[id as usize] = CType::Enum(found);
            return Ok(id);
        }
        let declared = self.nested(|parser| parser.members())?;
        while self.attributes(&mut attributes)? {}
        let (size, align, members) = self.lay_out(word == "union", &declared, attributes)?;
        let composite = Composite {
            name: name.to_string(),
            size,
            members,
        };
        self.definitions.types[id as usize] = if word == "union" {
            CType::Union(composite)
        } else {
            CType::Struct(composite)
        };
        self.definitions.aligns[id as usize] = align;
        Ok(id)
    }

    /// An enum's constants, after its `{`, with the type gcc gives them.
    fn enumerators(&mut self, name: &str) -> Result<Enum> {
        let outer = std::mem::take(&mut self.enumerators);
        let mut next = 0i64;
        while !self.eat("}")? {
            let token = self.peek()?;
            let Some(constant) = self.ident()? else {
                return Err(self.error("expected an enum constant's name"));
            };
            self.at += 1;
            if self.eat("=")? {
                next = self.expression()?;
            }
            if self.enumerators.iter().any(|(found, _)| *found == constant)
                || self.definitions.enumerator(constant).is_some()
            {
                return Err(error_at(
                    token,
                    &format!("enum constant `{constant}` is defined twice"),
                ));
            }
            self.enumerators.push((constant, next));
            next = next.wrapping_add(1);
            if !self.eat(",")? {
                self.expect("}")?;
                break;
            }
        }
        let values = std::mem::replace(&mut self.enumerators, outer);
        let low = values.iter().map(|(_, value)| *value).min().unwrap_or(0);
        let high = values.iter().map(|(_, value)| *value).max().unwrap_or(0);
        // gcc: unsigned int when no value is negative, int when one is, 8 bytes past those.
        let signed = low < 0;
        let fits = if signed {
            low >= i64::from(i32::MIN) && high <= i64::from(i32::MAX)
        } else {
            high <= i64::from(u32::MAX)
        };
        Ok(Enum {
            name: name.to_string(),
            size: if fits { 4 } else { 8 },
            signed,
            values: values
                .into_iter()
                .map(|(name, value)| Enumerator {
                    name: name.to_string(),
                    value: value as u64,
                })
                .collect(),
        })
    }

    /// A struct's or union's members, after its `{`.
    fn members(&mut self) -> Result<Vec<Declared<'a>>> {
        let mut members = Vec::new();
        while !self.eat("}")? {
            if self.peek()?.is_none() {
                return Err(self.error("expected `}`"));
            }
            if self.eat(";")? {
                continue;
            }
            let token = self.peek()?;
            let (base, attributes) = self.specifiers()?;
            if self.eat(";")? {
                // `struct { … };` or `union { … };`: an anonymous member, its members reached
                // by their own names.
                if let CType::Struct(inner) | CType::Union(inner) =
                    &self.definitions.types[base as usize]
                {
                    if inner.name.is_empty() {
                        members.push(Declared {
                            name: "",
                            target: base,
                            bits: None,
                            attributes,
                            token,
                        });
                    }
                }
                continue;
            }
            loop {
                let token = self.peek()?;
                let (name, target) = if self.is(":")? {
                    (None, base)
                } else {
                    self.declarator(base, false)?
                };
                let bits = if self.eat(":")? {
                    let bits = self.expression()?;
                    Some(u32::try_from(bits).map_err(|_| {
                        error_at(token, &format!("a bitfield cannot be {bits} bits wide"))
                    })?)
                } else {
                    None
                };
                let mut attributes = attributes;
                while self.attributes(&mut attributes)? {}
                let name = match name {
                    Some(name) => name,
                    None if bits.is_some() => "",
                    None => return Err(self.error("expected a member's name")),
                };
                if !name.is_empty() && members.iter().any(|member: &Declared| member.name == name) {
                    return Err(error_at(
                        token,
                        &format!("member `{name}` is declared twice"),
                    ));
                }
                members.push(Declared {
                    name,
                    target,
                    bits,
                    attributes,
                    token,
                });
                if !self.eat(",")? {
                    break;
                }
            }
            self.expect(";")?;
        }
        Ok(members)
    }

    /// `__attribute__((packed, aligned(8)))`, `__packed`, `__aligned(8)`: false when the next
    /// token is none of them. Attributes that change no layout are read over.
    fn attributes(&mut self, attributes: &mut Attributes) -> Result<bool> {
        match self.ident()? {
            Some("__packed") => {
                self.at += 1;
                attributes.packed = true;
            }
            Some("__aligned") => {
                self.at += 1;
                self.expect("(")?;
                attributes.aligned = attributes.aligned.max(self.alignment()?);
                self.expect(")")?;
            }
            Some("__attribute__" | "__attribute") => {
                self.at += 1;
                self.expect("(")?;
                self.expect("(")?;
                while let Some(word) = self.ident()? {
                    self.at += 1;
                    match word {
                        "packed" | "__packed__" => attributes.packed = true,
                        "aligned" | "__aligned__" => {
                            if !self.eat("(")? {
                                return Err(self.error(
                                    "`aligned` without a value is not understood: give it one",
                                ));
                            }
                            attributes.aligned = attributes.aligned.max(self.alignment()?);
                            self.expect(")")?;
                        }
                        _ if self.is("(")? => self.skip_parenthesized()?,
                        _ => {}
                    }
                    if !self.eat(",")? {
                        break;
                    }
                }
                self.expect(")")?;
                self.expect(")")?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn alignment(&mut self) -> Result<u64> {
        let token = self.peek()?;
        let value = self.expression()?;
        if value <= 0 || value > 1 << 28 || value & (value - 1) != 0 {
            return Err(error_at(
                token,
                &format!("alignment {value} is not a power of two"),
            ));
        }
        Ok(value as u64)
    }

    // Declarators: `*const name[4]`, `(*handler)(int, void *)`, read inside out.

    /// The name declared (None in an abstract declarator: `int *` in a prototype or sizeof)
    /// and its type.
    fn declarator(&mut self, base: TypeId, abstract_: bool) -> Result<(Option<&'a str>, TypeId)> {
        self.nested(|parser| parser.declarator_here(base, abstract_))
    }

    fn declarator_here(
        &mut self,
        base: TypeId,
        abstract_: bool,
    ) -> Result<(Option<&'a str>, TypeId)> {
        let mut target = base;
        while self.eat("*")? {
            target = self.definitions.push(CType::Pointer { target });
            while let Some(word) = self.ident()? {
                let qualifier = match word {
                    "const" | "__const" | "__const__" => Qualifier::Const,
                    "volatile" | "__volatile" | "__volatile__" => Qualifier::Volatile,
                    "restrict" => Qualifier::Restrict,
                    _ if IGNORED.contains(&word) => {
                        self.at += 1;
                        continue;
                    }
                    _ if self.attributes(&mut Attributes::default())? => continue,
                    _ => break,
                };
                self.at += 1;
                target = self
                    .definitions
                    .push(CType::Qualified { qualifier, target });
            }
        }
        let mut name = None;
        let mut inner = None;
        if self.is("(")? && self.opens_declarator(abstract_) {
            inner = Some(self.at + 1);
            self.skip_parenthesized()?;
        } else if let Some(word) = self.ident()? {
            if !abstract_ {
                self.at += 1;
                name = Some(word);
            }
        }
        let mut suffixes = Vec::new();
        loop {
            if self.eat("[")? {
                let length = if self.is("]")? { 0 } else { self.length()? };
                self.expect("]")?;
                suffixes.push(Suffix::Array(length));
            } else if self.eat("(")? {
                let (parameters, variadic) = self.parameters()?;
                suffixes.push(Suffix::Function(parameters, variadic));
            } else {
                break;
            }
        }
        // `a[2][3]` is two arrays of three: the suffix nearest the name applies last.
        for suffix in suffixes.into_iter().rev() {
            target = self.definitions.push(match suffix {
                Suffix::Array(length) => CType::Array {
                    element: target,
                    index: INT,
                    length,
                },
                Suffix::Function(parameters, variadic) => CType::Prototype(Prototype {
                    returns: target,
                    parameters,
                    variadic,
                }),
            });
        }
        if let Some(inner) = inner {
            // `(*name)` applies to what the suffixes after it made.
            let after = self.at;
            self.at = inner;
            let (found, wrapped) = self.declarator(target, abstract_)?;
            self.expect(")")?;
            self.at = after;
            name = found;
            target = wrapped;
        }
        Ok((name, target))
    }

    /// Whether the `(` at hand wraps a declarator (`(*name)`) rather than opening parameters.
    fn opens_declarator(&self, abstract_: bool) -> bool {
        match self.tokens.get(self.at + 1).map(|token| token.kind) {
            Some(Kind::Punct("*" | "(")) => true,
            Some(Kind::Ident(word)) => {
                !abstract_
                    && !SCALAR_WORDS.contains(&word)
                    && self.definitions.typedef(word).is_none()
                    && !matches!(word, "struct" | "union" | "enum" | "const" | "volatile")
            }
            _ => false,
        }
    }

    fn length(&mut self) -> Result<u32> {
        let token = self.peek()?;
        let length = self.expression()?;
        u32::try_from(length)
            .map_err(|_| error_at(token, &format!("an array cannot have {length} elements")))
    }

    /// A prototype's parameters, after its `(`.
    fn parameters(&mut self) -> Result<(Vec<Parameter>, bool)> {
        let mut parameters = Vec::new();
        if self.eat(")")? {
            return Ok((parameters, false));
        }
        loop {
            if self.eat("...")? {
                self.expect(")")?;
                return Ok((parameters, true));
            }
            let (base, _) = self.specifiers()?;
            let (name, target) = self.declarator(base, false)?;
            if target != VOID || name.is_some() || !parameters.is_empty() || !self.is(")")? {
                parameters.push(Parameter {
                    name: name.unwrap_or("").to_string(),
                    target,
                });
            }
            if self.eat(")")? {
                return Ok((parameters, false));
            }
            self.expect(",")?;
        }
    }

    /// `unsigned long`, `struct sock *`: a type with no name, as in sizeof and casts.
    fn type_name(&mut self) -> Result<TypeId> {
        let (base, _) = self.specifiers()?;
        Ok(self.declarator(base, true)?.1)
    }

    fn starts_type(&self, token: Option<&Token>) -> bool {
        match token.map(|token| token.kind) {
            Some(Kind::Ident(word)) => {
                SCALAR_WORDS.contains(&word)
                    || matches!(word, "struct" | "union" | "enum" | "const" | "volatile")
                    || self.definitions.typedef(word).is_some()
            }
            _ => false,
        }
    }

    // Layout.

    /// A struct's or union's size, alignment and members, placed as gcc places them: each
    /// member at its type's alignment (1 when packed); a bitfield after the one before it
    /// unless it would span more alignment units of its type than the type has.
    fn lay_out(
        &self,
        union: bool,
        declared: &[Declared<'a>],
        attributes: Attributes,
    ) -> Result<(u32, u32, Vec<Member>)> {
        let definitions = &*self.definitions;
        let mut members = Vec::with_capacity(declared.len());
        let (mut end, mut align) = (0u64, 1u64);
        for member in declared {
            let fail = |message: String| error_at(member.token, &message);
            let spelled = || definitions.name_of(member.target).unwrap_or_default();
            let (size, type_align) = match (
                definitions.size_of(member.target),
                definitions.align_of(member.target),
            ) {
                (Ok(size), Ok(type_align)) if size <= u64::from(u32::MAX) => {
                    (size, u64::from(type_align))
                }
                (Ok(_), Ok(_)) => {
                    return Err(fail(format!("member `{}` is too large", member.name)))
                }
                _ => {
                    let what = match definitions.resolve(member.target) {
                        Ok((_, CType::Forward { .. } | CType::Enum(_))) => {
                            "which is only declared here: define it above (#include lines \
                             are not read), or run on a kernel with BTF"
                        }
                        _ => "which has no size",
                    };
                    return Err(fail(format!(
                        "member `{}` has type `{}`, {what}",
                        member.name,
                        spelled()
                    )));
                }
            };
            let packed = attributes.packed || member.attributes.packed;
            let field_align = if packed { 1 } else { type_align }.max(member.attributes.aligned);
            let start = if union { 0 } else { end };
            let (offset, bits) = match member.bits {
                Some(bits) => {
                    let bits = u64::from(bits);
                    if !matches!(
                        definitions.resolve(member.target),
                        Ok((_, CType::Int(_) | CType::Enum(_)))
                    ) {
                        return Err(fail(format!(
                            "bitfield `{}` must have an integer type, not `{}`",
                            member.name,
                            spelled()
                        )));
                    }
                    if bits > size * 8 {
                        return Err(fail(format!(
                            "bitfield `{}` is {bits} bits wide, more than `{}` holds",
                            member.name,
                            spelled()
                        )));
                    }
                    if !member.name.is_empty() || definitions.abi.unnamed_bitfields_align {
                        align = align.max(field_align);
                    }
                    if bits == 0 {
                        if !member.name.is_empty() {
                            return Err(fail(format!("bitfield `{}` has no bits", member.name)));
                        }
                        // `int : 0;` ends the unit: what follows starts at the next one.
                        if !union {
                            end = start.next_multiple_of(type_align * 8);
                        }
                        continue;
                    }
                    let unit = type_align * 8;
                    let spans = (start % unit + bits).div_ceil(unit);
                    if !packed && spans > size * 8 / unit {
                        (start.next_multiple_of(unit), bits)
                    } else {
                        (start, bits)
                    }
                }
                None => {
                    align = align.max(field_align);
                    (start.next_multiple_of(field_align * 8), size * 8)
                }
            };
            if !member.name.is_empty() || member.bits.is_none() {
                members.push(Member {
                    name: member.name.to_string(),
                    target: member.target,
                    bit_offset: u32::try_from(offset)
                        .map_err(|_| fail(format!("`{}` lies too far in", member.name)))?,
                    bitfield_size: member.bits.unwrap_or(0) as u8,
                });
            }
            end = end.max(offset + bits);
        }
        let align = align.max(attributes.aligned);
        let size = end.div_ceil(8).next_multiple_of(align);
        let too_large = || {
            error_at(
                declared.first().and_then(|member| member.token),
                "too large",
            )
        };
        Ok((
            u32::try_from(size).map_err(|_| too_large())?,
            u32::try_from(align).map_err(|_| too_large())?,
            members,
        ))
    }

    // Constant expressions: array lengths, enum values, bitfield widths, #define and #if.

    fn expression(&mut self) -> Result<i64> {
        self.nested(|parser| {
            let condition = parser.binary(1)?;
            if !parser.eat("?")? {
                return Ok(condition);
            }
            let then = parser.expression()?;
            parser.expect(":")?;
            let otherwise = parser.expression()?;
            Ok(if condition != 0 { then } else { otherwise })
        })
    }

    fn binary(&mut self, lowest: u8) -> Result<i64> {
        let mut left = self.unary()?;
        loop {
            let Some(Token {
                kind: Kind::Punct(operator),
                ..
            }) = self.peek()?
            else {
                return Ok(left);
            };
            let precedence = match operator {
                "||" => 1,
                "&&" => 2,
                "|" => 3,
                "^" => 4,
                "&" => 5,
                "==" | "!=" => 6,
                "<" | ">" | "<=" | ">=" => 7,
                "<<" | ">>" => 8,
                "+" | "-" => 9,
                "*" | "/" | "%" => 10,
                _ => return Ok(left),
            };
            if precedence < lowest {
                return Ok(left);
            }
            self.at += 1;
            let token = self.peek()?;
            let right = self.binary(precedence + 1)?;
            left = match operator {
                "||" => i64::from(left != 0 || right != 0),
                "&&" => i64::from(left != 0 && right != 0),
                "|" => left | right,
                "^" => left ^ right,
                "&" => left & right,
                "==" => i64::from(left == right),
                "!=" => i64::from(left != right),
                "<" => i64::from(left < right),
                ">" => i64::from(left > right),
                "<=" => i64::from(left <= right),
                ">=" => i64::from(left >= right),
                "+" => left.wrapping_add(right),
                "-" => left.wrapping_sub(right),
                "*" => left.wrapping_mul(right),
                "<<" | ">>" if !(0..64).contains(&right) => {
                    return Err(error_at(token, &format!("cannot shift by {right}")))
                }
                "<<" => left << right,
                ">>" => left >> right,
                _ if right == 0 => return Err(error_at(token, "division by zero")),
                "/" => left.wrapping_div(right),
                _ => left.wrapping_rem(right),
            };
        }
    }

    fn unary(&mut self) -> Result<i64> {
        self.nested(|parser| parser.unary_here())
    }

    fn unary_here(&mut self) -> Result<i64> {
        let Some(token) = self.peek()? else {
            return Err(self.error("expected a value"));
        };
        self.at += 1;
        match token.kind {
            Kind::Number(value) => Ok(value as i64),
            Kind::Punct("-") => Ok(self.unary()?.wrapping_neg()),
            Kind::Punct("+") => self.unary(),
            Kind::Punct("~") => Ok(!self.unary()?),
            Kind::Punct("!") => Ok(i64::from(self.unary()? == 0)),
            Kind::Punct("(") if self.starts_type(self.tokens.get(self.at)) => {
                // A cast: the value as the type would hold it.
                let target = self.type_name()?;
                self.expect(")")?;
                let value = self.unary()?;
                let bits = self.definitions.size_of(target).unwrap_or(8) * 8;
                if bits == 0 || bits >= 64 {
                    return Ok(value);
                }
                let signed = matches!(self.definitions.resolve(target),
                    Ok((_, CType::Int(int))) if int.signed);
                let shift = 64 - bits as u32;
                Ok(if signed {
                    value << shift >> shift
                } else {
                    ((value as u64) << shift >> shift) as i64
                })
            }
            Kind::Punct("(") => {
                let value = self.expression()?;
                self.expect(")")?;
                Ok(value)
            }
            Kind::Ident("sizeof") => {
                self.expect("(")?;
                let target = self.type_name()?;
                self.expect(")")?;
                self.definitions
                    .size_of(target)
                    .map(|size| size as i64)
                    .map_err(|error| error_at(Some(token), &error.to_string()))
            }
            Kind::Ident("defined") if self.in_condition => {
                let parenthesized = self.eat("(")?;
                let name = self.directive_name("if defined")?;
                if parenthesized {
                    self.expect(")")?;
                }
                Ok(i64::from(self.definitions.define(name).is_some()))
            }
            Kind::Ident(name) => {
                if let Some(value) = self.definitions.define(name) {
                    return value.ok_or_else(|| {
                        error_at(Some(token), &format!("`{name}` is defined with no value"))
                    });
                }
                let pending = self
                    .enumerators
                    .iter()
                    .rev()
                    .find(|(found, _)| *found == name);
                if let Some((_, value)) = pending {
                    return Ok(*value);
                }
                match self.definitions.enumerator(name) {
                    Some((_, value)) => Ok(value as i64),
                    None if self.in_condition => Ok(0),
                    None => Err(error_at(
                        Some(token),
                        &format!("unknown constant `{name}`: #define it above"),
                    )),
                }
            }
            _ => {
                self.at -= 1;
                Err(self.error("expected a value"))
            }
        }
    }
}

fn error_at(token: Option<Token>, message: &str) -> DefinitionError {
    DefinitionError {
        line: token.map_or(1, |token| token.line),
        column: token.map_or(1, |token| token.column),
        message: message.to_string(),
    }
}
