//! Recursive descent over the tokens of C definitions, into `Definitions`: declarations,
//! declarators read inside out, constant expressions, the preprocessor's few directives, and
//! the layout of structs and unions as gcc gives it on the target.

mod declarator;
mod layout;
mod preprocess;

use super::lex::{Kind, Token};
use super::{
    scalar_id, word_index, DefinitionError, Definitions, Include, Misread, INT, LONG_DOUBLE,
    SCALAR_WORDS,
};
use crate::ctypes::{
    CType, Composite, Enum, Enumerator, Member, Parameter, Prototype, Qualifier, TypeId,
    TypeSource, VOID,
};

use std::fmt;

use crate::words::nth_word;

type Result<T> = std::result::Result<T, DefinitionError>;

/// How deep declarators, struct bodies and expressions may nest: garbled input must not
/// overflow the stack.
const MAX_NESTING: usize = 64;

/// Words of the kernel's sparse annotations and storage classes, which change no layout.
const IGNORED: &str = "__user __kernel __rcu __iomem __percpu __force __bitwise __must_check \
    __randomize_layout __no_randomize_layout __extension__ static extern inline __inline \
    __inline__ __restrict __restrict__";

/// The qualifiers' spellings, three for each of `const` and `volatile`; `restrict` only after
/// a `*`.
const QUALIFIERS: &str = "const __const __const__ volatile __volatile __volatile__ restrict";

fn qualifier(word: &str) -> Option<Qualifier> {
    let index = word_index(QUALIFIERS, word)?;
    Some([Qualifier::Const, Qualifier::Volatile, Qualifier::Restrict][index / 3])
}

/// The words a tagged type is named with, by the index `tagged` compares.
const TAGS: &str = "struct union enum";
const STRUCT: usize = 0;
const UNION: usize = 1;
const ENUM: usize = 2;

#[derive(Clone, Copy, Default)]
struct Attributes {
    packed: bool,
    aligned: u64,
}

/// A member as declared, before layout.
struct Declared<'a, 't> {
    name: &'a str,
    target: TypeId,
    bits: Option<u32>,
    attributes: Attributes,
    token: Option<&'t Token<'a>>,
}

/// An `#if` … `#endif` being read.
struct Condition<'a, 't> {
    active: bool,
    /// Whether a branch was taken already (so `#else` is not).
    taken: bool,
    parent_active: bool,
    seen_else: bool,
    token: &'t Token<'a>,
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
    conditions: Vec<Condition<'a, 't>>,
    /// Reading a directive's line: its `End` is a token, and `#` is not looked for.
    in_directive: bool,
    /// Reading `#if`'s condition: `defined` works, and unknown names are 0.
    in_condition: bool,
    /// The constants of the enum being read, for its later values.
    enumerators: Vec<(&'a str, i64)>,
    /// The first error, which ended the parse: what follows it reads as the end of the
    /// definitions, and the functions after it return stand-ins.
    failed: Option<DefinitionError>,
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
            failed: None,
        }
    }

    pub(super) fn run(mut self) -> Result<()> {
        while self.peek().is_some() {
            if !self.eat(";") {
                self.declaration();
            }
        }
        if let Some(open) = self.conditions.last() {
            self.fail(error_at(
                Some(open.token),
                format_args!("this #if has no #endif"),
            ));
        }
        self.failed.map_or(Ok(()), Err)
    }

    /// Keeps `error` if it is the first, and ends the parse.
    #[inline(never)]
    fn fail(&mut self, error: DefinitionError) {
        self.failed.get_or_insert(error);
        self.at = self.tokens.len();
    }

    /// Fails with "`what`, found …" at the current token.
    fn fail_here(&mut self, what: fmt::Arguments) {
        let error = self.error(what);
        self.fail(error);
    }

    // Tokens.

    /// The next token of live code: directives are carried out and `#if 0` text passed over.
    /// A directive that fails ends the parse: its error is kept for `run` to give, and what
    /// follows reads as the end of the definitions.
    /// By reference: a token is five words, a reference is returned in a register.
    fn peek(&mut self) -> Option<&'t Token<'a>> {
        let tokens = self.tokens;
        loop {
            let token = tokens.get(self.at)?;
            if self.in_directive {
                return Some(token);
            }
            if token.kind == Kind::Hash {
                self.at += 1;
                self.in_directive = true;
                self.directive(token);
                self.in_directive = false;
            } else if self.conditions.last().is_some_and(|open| !open.active) {
                self.at += 1;
            } else {
                return Some(token);
            }
        }
    }

    fn next(&mut self) -> Option<&'t Token<'a>> {
        let token = self.peek();
        if token.is_some() {
            self.at += 1;
        }
        token
    }

    fn is(&mut self, text: &str) -> bool {
        matches!(self.peek().map(|token| token.kind),
            Some(Kind::Punct(found) | Kind::Ident(found)) if found == text)
    }

    fn eat(&mut self, text: &str) -> bool {
        let found = self.is(text);
        if found {
            self.at += 1;
        }
        found
    }

    /// Whether `text` is there (and moves past it); fails if not.
    fn expect(&mut self, text: &str) -> bool {
        let found = self.eat(text);
        if !found {
            self.fail_here(format_args!("expected `{text}`"));
        }
        found
    }

    fn ident(&mut self) -> Option<&'a str> {
        match self.peek().map(|token| token.kind) {
            Some(Kind::Ident(word)) => Some(word),
            _ => None,
        }
    }

    /// "`what`, found …" at the current token.
    fn error(&mut self, what: fmt::Arguments) -> DefinitionError {
        let token = self.tokens.get(self.at);
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
            token.or(self.tokens.last()),
            format_args!("{what}, found {found}"),
        )
    }

    fn nested<T: Default>(&mut self, parse: impl FnOnce(&mut Self) -> T) -> T {
        if !self.enter() {
            return T::default();
        }
        let result = parse(self);
        self.depth -= 1;
        result
    }

    /// One level deeper, for `nested`: out of line, not in each of its instances.
    #[inline(never)]
    fn enter(&mut self) -> bool {
        if self.depth >= MAX_NESTING {
            self.fail_here(format_args!("definitions nest too deep"));
            return false;
        }
        self.depth += 1;
        true
    }

    fn skip_parenthesized(&mut self) {
        let mut open = 0usize;
        loop {
            match self.next().map(|token| token.kind) {
                Some(Kind::Punct("(")) => open += 1,
                Some(Kind::Punct(")")) if open <= 1 => return,
                Some(Kind::Punct(")")) => open -= 1,
                Some(Kind::End) | None => return self.fail_here(format_args!("expected `)`")),
                _ => {}
            }
        }
    }

    // Declarations.

    #[inline(never)]
    fn declaration(&mut self) {
        let typedef = self.eat("typedef");
        let (base, _) = self.specifiers();
        // bpftrace takes a definition without its `;` too, before the probes or another.
        let unended = match self.peek().map(|token| token.kind) {
            None => true,
            Some(Kind::Ident(word)) => word_index("struct union enum typedef ", word).is_some(),
            _ => false,
        };
        if self.eat(";") || !typedef && unended {
            return;
        }
        loop {
            let token = self.peek();
            let (name, target) = self.declarator(base, false);
            while self.attributes(&mut Attributes::default()) {}
            let Some(name) = name else {
                return self.fail_here(format_args!("expected a name"));
            };
            if !typedef {
                return self.fail(error_at(
                    token,
                    format_args!(
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
                // The same type again (ids are enough: both are in these definitions).
                Some(id) if same_type(definitions, id, target) => {}
                Some(_) => {
                    return self.fail(error_at(
                        token,
                        format_args!("typedef `{name}` is defined twice"),
                    ))
                }
            }
            if !self.eat(",") {
                break;
            }
        }
        self.expect(";");
    }

    /// The type a declaration starts with (`const struct sock`, `unsigned long`, `u32`), and
    /// its attributes.
    fn specifiers(&mut self) -> (TypeId, Attributes) {
        let mut attributes = Attributes::default();
        let (mut constant, mut volatile) = (false, false);
        let mut words = Vec::new();
        let mut base = None;
        let first = self.peek();
        while let Some(word) = self.ident() {
            let open = base.is_none() && words.is_empty();
            match word {
                _ if qualifier(word) == Some(Qualifier::Const) => constant = true,
                _ if qualifier(word) == Some(Qualifier::Volatile) => volatile = true,
                _ if word_index(IGNORED, word).is_some() => {}
                _ if self.attributes(&mut attributes) => continue,
                _ if base.is_none() && word_index(SCALAR_WORDS, word).is_some() => words.push(word),
                _ if open && word_index(TAGS, word).is_some() => {
                    self.at += 1;
                    base = Some(self.tagged(word));
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
            None if !words.is_empty() => self.scalar(&words, first),
            None => {
                let error = match self.ident() {
                    Some(word) => error_at(
                        self.peek(),
                        format_args!(
                            "unknown type `{word}`: define it above (there are no headers to \
                             include), or run on a kernel with BTF"
                        ),
                    ),
                    None => self.error(format_args!("expected a type")),
                };
                self.fail(error);
                return (VOID, attributes);
            }
        };
        for &(qualified, qualifier) in [
            (volatile, Qualifier::Volatile),
            (constant, Qualifier::Const),
        ]
        .iter()
        {
            if qualified {
                base = self.definitions.push(CType::Qualified {
                    qualifier,
                    target: base,
                });
            }
        }
        (base, attributes)
    }

    /// `unsigned long`, `short int`, `char`… as the built-in type gcc names.
    #[inline(never)]
    fn scalar(&mut self, words: &[&str], first: Option<&Token<'a>>) -> TypeId {
        let error = match scalar_id(words) {
            Some(LONG_DOUBLE) => error_at(first, format_args!("`long double` is not understood")),
            Some(id) => return id,
            None => {
                let words = crate::words::joined(words, " ");
                error_at(first, format_args!("`{words}` is not a C type"))
            }
        };
        self.fail(error);
        VOID
    }

    /// After `struct`, `union` or `enum`: a reference to one, or its definition.
    #[inline(never)]
    fn tagged(&mut self, word: &'a str) -> TypeId {
        // An index in `TAGS`: compared as a number below, not as a string each time.
        let wanted = word_index(TAGS, word).unwrap_or(STRUCT);
        let mut attributes = Attributes::default();
        while self.attributes(&mut attributes) {}
        let token = self.peek();
        let name = match self.ident() {
            Some(name) => {
                self.at += 1;
                name
            }
            None => "",
        };
        let defining = self.is("{");
        if !defining && name.is_empty() {
            self.fail_here(format_args!("expected a name or `{{` after `{word}`"));
            return VOID;
        }
        let Some(id) = self.tag(wanted, name, token, word, defining) else {
            return VOID;
        };
        if !defining {
            return id;
        }
        self.at += 1;
        if wanted == ENUM {
            let found = self.nested(|parser| parser.enumerators(name));
            self.definitions.types[id as usize] = CType::Enum(found);
            return id;
        }
        let declared = self.nested(|parser| parser.members());
        while self.attributes(&mut attributes) {}
        let (size, align, members) = match self.lay_out(wanted == UNION, &declared, attributes) {
            Ok(laid_out) => laid_out,
            Err(error) => {
                self.fail(error);
                return VOID;
            }
        };
        let composite = Composite {
            name: name.to_string(),
            size,
            members,
        };
        self.definitions.types[id as usize] = if wanted == UNION {
            CType::Union(composite)
        } else {
            CType::Struct(composite)
        };
        self.definitions.aligns[id as usize] = align;
        id
    }

    /// The type `struct name` (`union`, `enum`: `wanted`, as `word`) refers to: the one
    /// declared before, or a new one (a forward declaration, an enum without constants) that
    /// its definition fills in. None (reported) when `name` is another kind of tag, or is
    /// `defining` again.
    fn tag(
        &mut self,
        wanted: usize,
        name: &'a str,
        token: Option<&Token<'a>>,
        word: &str,
        defining: bool,
    ) -> Option<TypeId> {
        let id = match self.definitions.tag(name).filter(|_| !name.is_empty()) {
            Some(id) => {
                let ty = &self.definitions.types[id as usize];
                let (kind, defined) = match ty {
                    CType::Struct(_) => (STRUCT, true),
                    CType::Union(_) => (UNION, true),
                    CType::Forward { union, .. } => (usize::from(*union), false),
                    _ => (
                        ENUM,
                        matches!(ty, CType::Enum(found) if !found.values.is_empty()),
                    ),
                };
                if kind != wanted {
                    self.fail(error_at(
                        token,
                        format_args!(
                            "`{name}` is a {}, not a {word}",
                            nth_word(TAGS, kind).unwrap_or_default()
                        ),
                    ));
                    return None;
                }
                if defined && defining {
                    self.fail(error_at(
                        token,
                        format_args!("{word} {name} is defined twice"),
                    ));
                    return None;
                }
                id
            }
            None if wanted == ENUM => self.definitions.push(CType::Enum(Enum {
                name: name.to_string(),
                size: 4,
                signed: false,
                values: Vec::new(),
            })),
            None => self.definitions.push(CType::Forward {
                name: name.to_string(),
                union: wanted == UNION,
            }),
        };
        Some(id)
    }

    /// An enum's constants, after its `{`, with the type gcc gives them.
    #[inline(never)]
    fn enumerators(&mut self, name: &str) -> Enum {
        let outer = std::mem::take(&mut self.enumerators);
        let mut next = 0i64;
        while !self.eat("}") {
            let token = self.peek();
            let Some(constant) = self.ident() else {
                self.fail_here(format_args!("expected an enum constant's name"));
                break;
            };
            self.at += 1;
            if self.eat("=") {
                next = self.expression();
            }
            if self.enumerators.iter().any(|(found, _)| *found == constant)
                || self.definitions.enumerator(constant).is_some()
            {
                self.fail(error_at(
                    token,
                    format_args!("enum constant `{constant}` is defined twice"),
                ));
                break;
            }
            self.enumerators.push((constant, next));
            next = next.wrapping_add(1);
            if !self.eat(",") {
                self.expect("}");
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
        let mut enumerators = Vec::with_capacity(values.len());
        for (name, value) in values {
            enumerators.push(Enumerator {
                name: name.to_string(),
                value: value as u64,
            });
        }
        Enum {
            name: name.to_string(),
            size: if fits { 4 } else { 8 },
            signed,
            values: enumerators,
        }
    }

    /// A struct's or union's members, after its `{`.
    #[inline(never)]
    fn members(&mut self) -> Vec<Declared<'a, 't>> {
        let mut members = Vec::new();
        while !self.eat("}") {
            if self.peek().is_none() {
                self.fail_here(format_args!("expected `}}`"));
                break;
            }
            if self.eat(";") {
                continue;
            }
            let token = self.peek();
            let (base, attributes) = self.specifiers();
            if self.eat(";") {
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
                if !self.member(base, attributes, &mut members) {
                    return members;
                }
                if !self.eat(",") {
                    break;
                }
            }
            // The last member's `;` may be left out, as GCC and clang allow (with a warning)
            // and bpftrace's scripts do: `struct x { unsigned long x };`.
            if !self.is("}") {
                self.expect(";");
            }
        }
        members
    }

    /// Adds to `members` one declarator of a member declaration whose specifiers gave `base`
    /// and `attributes`, with its bitfield width; false (reported) when it is malformed or its
    /// name is taken.
    #[inline(never)]
    fn member(
        &mut self,
        base: TypeId,
        attributes: Attributes,
        members: &mut Vec<Declared<'a, 't>>,
    ) -> bool {
        let token = self.peek();
        let (name, target) = if self.is(":") {
            (None, base)
        } else {
            self.declarator(base, false)
        };
        let bits = if self.eat(":") {
            let bits = self.expression();
            let Ok(bits) = u32::try_from(bits) else {
                self.fail(error_at(
                    token,
                    format_args!("a bitfield cannot be {bits} bits wide"),
                ));
                return false;
            };
            Some(bits)
        } else {
            None
        };
        let mut attributes = attributes;
        while self.attributes(&mut attributes) {}
        let name = match name {
            Some(name) => name,
            None if bits.is_some() => "",
            None => {
                self.fail_here(format_args!("expected a member's name"));
                return false;
            }
        };
        if !name.is_empty() && members.iter().any(|member: &Declared| member.name == name) {
            self.fail(error_at(
                token,
                format_args!("member `{name}` is declared twice"),
            ));
            return false;
        }
        members.push(Declared {
            name,
            target,
            bits,
            attributes,
            token,
        });
        true
    }
}

/// Whether `a` and `b` are one type under their typedefs and qualifiers (both when neither
/// can be resolved): the same entry of `definitions`.
fn same_type(definitions: &Definitions, a: TypeId, b: TypeId) -> bool {
    let entry = |id| definitions.resolved(id).map(|ty| ty as *const CType);
    entry(a) == entry(b)
}

/// Takes the message unformatted: each caller formatting its own String is code at every one.
fn error_at(token: Option<&Token>, message: fmt::Arguments) -> DefinitionError {
    DefinitionError(Box::new(Misread {
        line: token.map_or(1, |token| token.line),
        column: token.map_or(1, |token| token.column),
        message: fmt::format(message),
    }))
}
