//! Declarators: `*const name[4]`, `(*handler)(int, void *)`, read inside out.

use super::*;

/// The words beside `SCALAR_WORDS` that begin a type: tags and qualifiers.
const TYPE_WORDS: &str = "struct union enum const volatile";

impl<'a, 't> Parser<'a, 't> {
    /// The name declared (None in an abstract declarator: `int *` in a prototype or sizeof)
    /// and its type.
    pub(super) fn declarator(
        &mut self,
        base: TypeId,
        abstract_: bool,
    ) -> (Option<&'a str>, TypeId) {
        self.nested(|parser| parser.declarator_here(base, abstract_))
    }

    fn declarator_here(&mut self, base: TypeId, abstract_: bool) -> (Option<&'a str>, TypeId) {
        let mut target = base;
        while self.eat("*") {
            target = self.definitions.push(CType::Pointer { target });
            while let Some(word) = self.ident() {
                let qualifier = match qualifier(word) {
                    Some(qualifier) => qualifier,
                    None if word_index(IGNORED, word).is_some() => {
                        self.at += 1;
                        continue;
                    }
                    None if self.attributes(&mut Attributes::default()) => continue,
                    None => break,
                };
                self.at += 1;
                target = self
                    .definitions
                    .push(CType::Qualified { qualifier, target });
            }
        }
        let mut name = None;
        let mut inner = None;
        if self.is("(") && self.opens_declarator(abstract_) {
            inner = Some(self.at + 1);
            self.skip_parenthesized();
        } else if let Some(word) = self.ident() {
            if !abstract_ {
                self.at += 1;
                name = Some(word);
            }
        }
        let mut suffixes = Vec::new();
        loop {
            if self.eat("[") {
                let length = if self.is("]") { 0 } else { self.length() };
                self.expect("]");
                suffixes.push(Suffix::Array(length));
            } else if self.eat("(") {
                let (parameters, variadic) = self.parameters();
                suffixes.push(Suffix::Function(parameters, variadic));
            } else {
                break;
            }
        }
        // `a[2][3]` is two arrays of three: the suffix nearest the name applies last.
        while let Some(suffix) = suffixes.pop() {
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
            let (found, wrapped) = self.declarator(target, abstract_);
            // After a failure, what follows still reads as the end.
            if self.expect(")") {
                self.at = after;
            }
            name = found;
            target = wrapped;
        }
        (name, target)
    }

    /// Whether the `(` at hand wraps a declarator (`(*name)`) rather than opening parameters.
    fn opens_declarator(&self, abstract_: bool) -> bool {
        match self.tokens.get(self.at + 1).map(|token| token.kind) {
            Some(Kind::Punct("*" | "(")) => true,
            Some(Kind::Ident(word)) => !abstract_ && !self.names_type(word),
            _ => false,
        }
    }

    fn length(&mut self) -> u32 {
        let token = self.peek();
        let length = self.expression();
        u32::try_from(length).unwrap_or_else(|_| {
            self.fail(error_at(
                token,
                format_args!("an array cannot have {length} elements"),
            ));
            0
        })
    }

    /// A prototype's parameters, after its `(`.
    fn parameters(&mut self) -> (Vec<Parameter>, bool) {
        let mut parameters = Vec::new();
        if self.eat(")") {
            return (parameters, false);
        }
        loop {
            if self.eat("...") {
                self.expect(")");
                return (parameters, true);
            }
            let (base, _) = self.specifiers();
            let (name, target) = self.declarator(base, false);
            if target != VOID || name.is_some() || !parameters.is_empty() || !self.is(")") {
                parameters.push(Parameter {
                    name: name.unwrap_or("").to_string(),
                    target,
                });
            }
            if self.eat(")") || !self.expect(",") {
                return (parameters, false);
            }
        }
    }

    /// `unsigned long`, `struct sock *`: a type with no name, as in sizeof and casts.
    pub(super) fn type_name(&mut self) -> TypeId {
        let (base, _) = self.specifiers();
        self.declarator(base, true).1
    }

    pub(super) fn starts_type(&self, token: Option<&Token>) -> bool {
        matches!(token.map(|token| token.kind), Some(Kind::Ident(word)) if self.names_type(word))
    }

    /// Whether `word` begins a type: a base type's word, a tag, a qualifier, a typedef's name.
    fn names_type(&self, word: &str) -> bool {
        word_index(SCALAR_WORDS, word).is_some()
            || word_index(TYPE_WORDS, word).is_some()
            || self.definitions.typedef(word).is_some()
    }
}
