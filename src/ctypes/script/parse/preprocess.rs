//! The preprocessor's few directives (`#include` noted, `#define NAME value`, `#ifdef` and
//! `#if` blocks) and the constant expressions they, array lengths, enum values and bitfield
//! widths are written in.

use super::*;

/// Binary operators, in the order `binary` evaluates them by index, and beside them their
/// precedence.
const OPERATORS: &str = "|| && | ^ & == != < > <= >= + - * << >> / %";
const PRECEDENCE: [u8; 18] = [1, 2, 3, 4, 5, 6, 6, 7, 7, 7, 7, 9, 9, 10, 8, 8, 10, 10];

/// What `unary_here` tells apart: its operators, `(`, `sizeof` and `defined`.
const UNARY: &str = "- + ~ ! ( sizeof defined";

/// The directives, by the index `directive` tells them apart with (`!`: a `#!` first line).
const DIRECTIVES: &str = "ifdef ifndef if elif else endif include define undef pragma !";
const IFDEF: usize = 0;
const IFNDEF: usize = 1;
const IF: usize = 2;
const ELIF: usize = 3;
const ELSE: usize = 4;
const ENDIF: usize = 5;
const INCLUDE: usize = 6;
const DEFINE: usize = 7;
const UNDEF: usize = 8;
const PRAGMA: usize = 9;
const SHEBANG: usize = 10;

impl<'a, 't> Parser<'a, 't> {
    #[inline(never)]
    pub(super) fn directive(&mut self, hash: &'t Token<'a>) {
        let active = self.conditions.last().map_or(true, |open| open.active);
        let word = match self.next().map(|token| token.kind) {
            Some(Kind::Ident(word)) => word,
            // `#` alone does nothing; `#!` is the script's first line.
            Some(Kind::End) | None => return,
            Some(Kind::Punct("!")) if hash.line == 1 => "!",
            _ if !active => "",
            _ => {
                self.at -= 1;
                return self.fail_here(format_args!("expected a directive after `#`"));
            }
        };
        let directive = word_index(DIRECTIVES, word).unwrap_or(usize::MAX);
        match directive {
            IFDEF | IFNDEF | IF => {
                let value = if !active {
                    false
                } else if directive == IF {
                    self.condition()
                } else {
                    let name = self.directive_name(word);
                    self.definitions.define(name).is_some() == (directive == IFDEF)
                };
                self.conditions.push(Condition {
                    active: active && value,
                    taken: value,
                    parent_active: active,
                    seen_else: false,
                    token: hash,
                });
            }
            ELIF | ELSE | ENDIF => self.next_branch(word, directive, hash),
            _ if !active => {}
            INCLUDE => {
                let header = match self.next().map(|token| token.kind) {
                    Some(Kind::Header(header)) if !header.is_empty() => header,
                    _ => {
                        return self.fail(error_at(
                            Some(hash),
                            format_args!("expected a header after #include"),
                        ))
                    }
                };
                self.definitions.includes.push(Include {
                    line: hash.line,
                    header: header.to_string(),
                });
            }
            DEFINE => self.define(),
            UNDEF => {
                let name = self.directive_name(word);
                self.definitions
                    .defines
                    .retain(|(defined, _)| defined != name);
            }
            PRAGMA | SHEBANG => {}
            _ => {
                return self.fail(error_at(
                    Some(hash),
                    format_args!("`#{word}` is not understood here"),
                ))
            }
        }
        // What follows on the line (`#endif // NAME`, `#pragma once`) changes nothing.
        while let Some(token) = self.next() {
            if token.kind == Kind::End {
                break;
            }
        }
    }

    /// `#elif`, `#else` or `#endif` (`directive`, an index in `DIRECTIVES`): the open `#if`'s
    /// next branch, or its end.
    #[inline(never)]
    fn next_branch(&mut self, word: &str, directive: usize, hash: &Token<'a>) {
        let Some(open) = self.conditions.last() else {
            return self.fail(error_at(Some(hash), format_args!("#{word} without #if")));
        };
        if open.seen_else && directive != ENDIF {
            return self.fail(error_at(Some(hash), format_args!("#{word} after #else")));
        }
        let (taken, parent_active) = (open.taken, open.parent_active);
        if directive == ENDIF {
            self.conditions.pop();
            return;
        }
        let value = if taken || !parent_active {
            false
        } else if directive == ELIF {
            self.condition()
        } else {
            true
        };
        if let Some(open) = self.conditions.last_mut() {
            open.active = parent_active && value;
            open.taken |= value;
            open.seen_else = directive == ELSE;
        }
    }

    fn directive_name(&mut self, word: &str) -> &'a str {
        match self.ident() {
            Some(name) => {
                self.at += 1;
                name
            }
            None => {
                self.fail_here(format_args!("expected a name after #{word}"));
                ""
            }
        }
    }

    #[inline(never)]
    fn define(&mut self) {
        let name_token = self.peek();
        let name = self.directive_name("define");
        let value = match self.peek() {
            Some(Token {
                kind: Kind::End, ..
            })
            | None => None,
            Some(Token {
                kind: Kind::Punct("("),
                start,
                ..
            }) if name_token.is_some_and(|token| token.end == *start) => {
                return self.fail_here(format_args!(
                    "#define {name}(…): macros with parameters are not understood, only \
                     `#define NAME value` with an integer value"
                ));
            }
            Some(_) => {
                let failed = self.failed.is_some();
                let value = self.expression();
                if let (false, Some(error)) = (failed, &mut self.failed) {
                    error.message = format!(
                        "#define {name}: only integer constants are understood: {}",
                        error.message
                    );
                }
                if !self.is_end() {
                    return self.fail_here(format_args!(
                        "#define {name}: only integer constants are understood: expected the \
                         end of the line"
                    ));
                }
                Some(value)
            }
        };
        self.definitions.defines.push((name.to_string(), value));
    }

    /// `#if`'s condition, to the end of its line.
    #[inline(never)]
    fn condition(&mut self) -> bool {
        self.in_condition = true;
        let value = self.expression();
        self.in_condition = false;
        if !self.is_end() {
            self.fail_here(format_args!("expected the end of the line"));
        }
        value != 0
    }

    fn is_end(&mut self) -> bool {
        matches!(self.peek().map(|token| token.kind), Some(Kind::End) | None)
    }

    // Constant expressions: array lengths, enum values, bitfield widths, #define and #if.

    pub(super) fn expression(&mut self) -> i64 {
        self.nested(|parser| {
            let condition = parser.binary(1);
            if !parser.eat("?") {
                return condition;
            }
            let then = parser.expression();
            parser.expect(":");
            let otherwise = parser.expression();
            if condition != 0 {
                then
            } else {
                otherwise
            }
        })
    }

    fn binary(&mut self, lowest: u8) -> i64 {
        let mut left = self.unary();
        loop {
            let Some(Token {
                kind: Kind::Punct(operator),
                ..
            }) = self.peek()
            else {
                return left;
            };
            // One table for both steps: a match on strings twice over is twice the code.
            let Some(index) = word_index(OPERATORS, operator) else {
                return left;
            };
            let precedence = PRECEDENCE[index];
            if precedence < lowest {
                return left;
            }
            self.at += 1;
            let token = self.peek();
            let right = self.binary(precedence + 1);
            left = match index {
                0 => i64::from(left != 0 || right != 0),
                1 => i64::from(left != 0 && right != 0),
                2 => left | right,
                3 => left ^ right,
                4 => left & right,
                5 => i64::from(left == right),
                6 => i64::from(left != right),
                7 => i64::from(left < right),
                8 => i64::from(left > right),
                9 => i64::from(left <= right),
                10 => i64::from(left >= right),
                11 => left.wrapping_add(right),
                12 => left.wrapping_sub(right),
                13 => left.wrapping_mul(right),
                14 | 15 if !(0..64).contains(&right) => {
                    self.fail(error_at(token, format_args!("cannot shift by {right}")));
                    return 0;
                }
                14 => left << right,
                15 => left >> right,
                _ if right == 0 => {
                    self.fail(error_at(token, format_args!("division by zero")));
                    return 0;
                }
                16 => left.wrapping_div(right),
                _ => left.wrapping_rem(right),
            };
        }
    }

    fn unary(&mut self) -> i64 {
        self.nested(|parser| parser.unary_here())
    }

    /// A cast, after its `(`: the value as the type would hold it.
    fn cast(&mut self) -> i64 {
        let target = self.type_name();
        self.expect(")");
        let value = self.unary();
        let bits = self.definitions.size_of(target).unwrap_or(8) * 8;
        if bits == 0 || bits >= 64 {
            return value;
        }
        let signed = matches!(self.definitions.resolved(target),
            Some(CType::Int(int)) if int.signed);
        let shift = 64 - bits as u32;
        if signed {
            value << shift >> shift
        } else {
            ((value as u64) << shift >> shift) as i64
        }
    }

    fn unary_here(&mut self) -> i64 {
        let Some(token) = self.peek() else {
            self.fail_here(format_args!("expected a value"));
            return 0;
        };
        self.at += 1;
        let text = match token.kind {
            Kind::Number(value) => return value as i64,
            Kind::Punct(text) | Kind::Ident(text) => text,
            _ => "",
        };
        // No operator is a word, so one list holds both.
        match word_index(UNARY, text) {
            Some(0) => self.unary().wrapping_neg(),
            Some(1) => self.unary(),
            Some(2) => !self.unary(),
            Some(3) => i64::from(self.unary() == 0),
            Some(4) if self.starts_type(self.tokens.get(self.at)) => self.cast(),
            Some(4) => {
                let value = self.expression();
                self.expect(")");
                value
            }
            Some(5) => {
                self.expect("(");
                let target = self.type_name();
                self.expect(")");
                match self.definitions.size_of(target) {
                    Ok(size) => size as i64,
                    Err(error) => {
                        self.fail(error_at(Some(token), format_args!("{error}")));
                        0
                    }
                }
            }
            Some(6) if self.in_condition => {
                let parenthesized = self.eat("(");
                let name = self.directive_name("if defined");
                if parenthesized {
                    self.expect(")");
                }
                i64::from(self.definitions.define(name).is_some())
            }
            _ if matches!(token.kind, Kind::Ident(_)) => self.named_value(token, text),
            _ => {
                self.at -= 1;
                self.fail_here(format_args!("expected a value"));
                0
            }
        }
    }

    /// The value of the name `name` (at `token`) in a constant expression: a macro's, an enum
    /// constant's (of the enum being defined first), or 0 in an `#if` when it names nothing.
    fn named_value(&mut self, token: &Token<'a>, name: &str) -> i64 {
        if let Some(value) = self.definitions.define(name) {
            if value.is_none() {
                self.fail(error_at(
                    Some(token),
                    format_args!("`{name}` is defined with no value"),
                ));
            }
            return value.unwrap_or(0);
        }
        let pending = self
            .enumerators
            .iter()
            .rev()
            .find(|(found, _)| *found == name);
        if let Some((_, value)) = pending {
            return *value;
        }
        match self.definitions.enumerator(name) {
            Some((_, value)) => value as i64,
            None if self.in_condition => 0,
            None => {
                self.fail(error_at(
                    Some(token),
                    format_args!("unknown constant `{name}`: #define it above"),
                ));
                0
            }
        }
    }
}
