"""The expression grammar of Logs Insights queries, parsed by recursive descent over `tokens.Lexer`.

Operator precedence, loosest first: `or`, `and`, `not`, comparisons (`= != <
<= > >=`, `like`, `not like`, `=~`, `in`, `not in`), `+ -`, `* / %`, unary
`-`, `^`. Keywords and function names are case-insensitive. A `/` is a regex
only where one is expected (after `like`, `=~`, or `parse FIELD`); elsewhere it
divides. Values from `jsonParse` take `.key` and `[index]` after them.
"""

from __future__ import annotations

import re
from typing import cast

from . import ast
from .aggregates import AGGREGATES
from .errors import MalformedQueryError
from .functions import FUNCTIONS, UNSUPPORTED
from .periods import Period
from .regex import compile_regex
from .tokens import Lexer, Token, TokenType

KEYWORDS = frozenset({"and", "or", "not", "like", "in", "as", "by", "asc", "desc"})
_COMPARISONS = {
    TokenType.EQ: "=",
    TokenType.NE: "!=",
    TokenType.LT: "<",
    TokenType.LE: "<=",
    TokenType.GT: ">",
    TokenType.GE: ">=",
}


class ExpressionParser:
    """Token plumbing and the expression grammar; the query parser adds the commands on top."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lexer = Lexer(text)
        self.tok = self.lexer.token_at(0)

    # --- token plumbing -------------------------------------------------------------

    def advance(self) -> Token:
        token = self.tok
        self.tok = self.lexer.token_at(token.end)
        return token

    def peek(self) -> Token:
        return self.lexer.token_at(self.tok.end)

    def error(self, start: int, end: int, message: str) -> MalformedQueryError:
        return MalformedQueryError.at(self.text, start, end, message)

    def unexpected(self, expected: str = "") -> MalformedQueryError:
        token = self.tok
        found = "end of query" if token.type is TokenType.EOF else repr(self.text[token.start : token.end])
        suffix = f", expected {expected}" if expected else ""
        return self.error(token.start, token.end, f"unexpected symbol found {found}{suffix}")

    def expect(self, kind: TokenType, expected: str) -> Token:
        if self.tok.type is not kind:
            raise self.unexpected(expected)
        return self.advance()

    def at_word(self, *words: str) -> bool:
        return self.tok.word in words

    def source(self, start: int, end: int) -> str:
        return self.text[start:end].strip()

    # --- names -----------------------------------------------------------------------

    def alias(self) -> str:
        if self.tok.type is TokenType.FIELD or (self.tok.type is TokenType.IDENT and self.tok.word not in KEYWORDS):
            return str(self.advance().value)
        raise self.unexpected("a field name")

    def field_name(self) -> ast.FieldRef:
        token = self.tok
        return ast.FieldRef(token.start, token.end, self.alias())

    # --- expressions ------------------------------------------------------------------

    def expression(self) -> ast.Expr:
        return self.or_expr()

    def or_expr(self) -> ast.Expr:
        left = self.and_expr()
        while self.at_word("or"):
            self.advance()
            right = self.and_expr()
            left = ast.Binary(left.start, right.end, "or", left, right)
        return left

    def and_expr(self) -> ast.Expr:
        left = self.not_expr()
        while self.at_word("and"):
            self.advance()
            right = self.not_expr()
            left = ast.Binary(left.start, right.end, "and", left, right)
        return left

    def not_expr(self) -> ast.Expr:
        if self.at_word("not"):
            start = self.advance().start
            operand = self.not_expr()
            return ast.Unary(start, operand.end, "not", operand)
        return self.comparison()

    def comparison(self) -> ast.Expr:
        left = self.additive()
        negated = False
        if self.at_word("not") and self.peek().word in ("like", "in"):
            self.advance()
            negated = True
        if self.at_word("like") or (self.tok.type is TokenType.MATCH and not negated):
            self.advance()
            pattern = self.like_pattern()
            return ast.Like(left.start, pattern.end, left, pattern, negated)
        if self.at_word("in"):
            self.advance()
            items = self.list_literal()
            return ast.In(left.start, items.end, left, items, negated)
        op = _COMPARISONS.get(self.tok.type)
        if op is None:
            return left
        self.advance()
        right = self.additive()
        return ast.Binary(left.start, right.end, cast(ast.BinaryOp, op), left, right)

    def like_pattern(self) -> ast.Literal | ast.RegexLiteral:
        if self.tok.type is TokenType.SLASH:
            return self.regex()
        token = self.expect(TokenType.STRING, 'a "string" or a /regex/')
        return ast.Literal(token.start, token.end, str(token.value))

    def regex(self) -> ast.RegexLiteral:
        token = self.lexer.regex_at(self.tok.start)
        self.tok = self.lexer.token_at(token.end)
        try:
            pattern = compile_regex(str(token.value))
        except re.error as exc:
            raise self.error(token.start, token.end, f"invalid regular expression: {exc}") from None
        return ast.RegexLiteral(token.start, token.end, str(token.value), pattern)

    def list_literal(self) -> ast.ListLiteral:
        start = self.expect(TokenType.LBRACKET, "'[' and a list of values").start
        items: list[ast.Expr] = []
        if self.tok.type is not TokenType.RBRACKET:
            items.append(self.additive())
            while self.tok.type is TokenType.COMMA:
                self.advance()
                items.append(self.additive())
        end = self.expect(TokenType.RBRACKET, "',' or ']'").end
        return ast.ListLiteral(start, end, tuple(items))

    def additive(self) -> ast.Expr:
        left = self.multiplicative()
        while self.tok.type in (TokenType.PLUS, TokenType.MINUS):
            op = "+" if self.advance().type is TokenType.PLUS else "-"
            right = self.multiplicative()
            left = ast.Binary(left.start, right.end, cast(ast.BinaryOp, op), left, right)
        return left

    def multiplicative(self) -> ast.Expr:
        left = self.unary()
        ops = {TokenType.STAR: "*", TokenType.SLASH: "/", TokenType.PERCENT: "%"}
        while self.tok.type in ops:
            op = ops[self.advance().type]
            right = self.unary()
            left = ast.Binary(left.start, right.end, cast(ast.BinaryOp, op), left, right)
        return left

    def unary(self) -> ast.Expr:
        if self.tok.type is TokenType.MINUS:
            start = self.advance().start
            operand = self.unary()
            if isinstance(operand, ast.Literal) and isinstance(operand.value, int | float):
                return ast.Literal(start, operand.end, -operand.value)
            return ast.Unary(start, operand.end, "-", operand)
        return self.power()

    def power(self) -> ast.Expr:
        base = self.postfix()
        if self.tok.type is TokenType.CARET:
            self.advance()
            exponent = self.unary()
            return ast.Binary(base.start, exponent.end, "^", base, exponent)
        return base

    def postfix(self) -> ast.Expr:
        expr = self.primary()
        while self.tok.type in (TokenType.LBRACKET, TokenType.DOT):
            if self.advance().type is TokenType.LBRACKET:
                index = self.expression()
                end = self.expect(TokenType.RBRACKET, "']'").end
                expr = ast.Index(expr.start, end, expr, index)
            else:
                key = self.tok
                if key.type not in (TokenType.IDENT, TokenType.FIELD):
                    raise self.unexpected("a key after '.'")
                self.advance()
                parts = str(key.value).split(".") if key.type is TokenType.IDENT else [str(key.value)]
                for part in parts:
                    expr = ast.Member(expr.start, key.end, expr, part)
        return expr

    def primary(self) -> ast.Expr:
        token = self.tok
        if token.type is TokenType.NUMBER:
            self.advance()
            assert isinstance(token.value, int | float)
            return ast.Literal(token.start, token.end, token.value)
        if token.type is TokenType.STRING:
            self.advance()
            return ast.Literal(token.start, token.end, str(token.value))
        if token.type is TokenType.PERIOD:
            self.advance()
            assert isinstance(token.value, Period)
            return ast.PeriodLiteral(token.start, token.end, token.value)
        if token.type is TokenType.FIELD:
            self.advance()
            return ast.FieldRef(token.start, token.end, str(token.value))
        if token.type is TokenType.LPAREN:
            self.advance()
            inner = self.expression()
            self.expect(TokenType.RPAREN, "')'")
            return inner
        if token.type is TokenType.IDENT and token.word not in KEYWORDS:
            if self.peek().type is TokenType.LPAREN:
                return self.call()
            self.advance()
            if token.word in ("true", "false"):
                return ast.Literal(token.start, token.end, token.word == "true")
            return ast.FieldRef(token.start, token.end, str(token.value))
        raise self.unexpected("a field, a value or a function")

    def call(self) -> ast.Expr:
        name_token = self.advance()
        name = name_token.word
        self.advance()  # (
        args: list[ast.Expr] = []
        if self.tok.type is TokenType.STAR and self.peek().type is TokenType.RPAREN:
            star = self.advance()
            args.append(ast.Star(star.start, star.end))
        elif self.tok.type is not TokenType.RPAREN:
            args.append(self.expression())
            while self.tok.type is TokenType.COMMA:
                self.advance()
                args.append(self.expression())
        end = self.expect(TokenType.RPAREN, "',' or ')'").end
        if name in AGGREGATES:
            return ast.Call(name_token.start, end, AGGREGATES[name].name, tuple(args), True)
        if name in FUNCTIONS:
            return ast.Call(name_token.start, end, FUNCTIONS[name].name, tuple(args), False)
        if name in UNSUPPORTED:
            message = f"the function {name_token.value} is not supported by the logai sandbox"
        else:
            message = f"unknown function {name_token.value!r}"
        raise self.error(name_token.start, name_token.end, message)
