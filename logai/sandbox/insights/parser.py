"""Query text to syntax tree: a recursive-descent parser over `tokens.Lexer`.

Commands are separated by `|`; keywords, command and function names are
case-insensitive (the docs write both `stats` and `STATS`). Operator
precedence, loosest first: `or`, `and`, `not`, comparisons (`= != < <= > >=`,
`like`, `not like`, `=~`, `in`, `not in`), `+ -`, `* / %`, unary `-`, `^`.
The checks that need the whole query (scopes, where aggregates may appear)
are in `validate`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import cast

from . import ast
from .aggregates import AGGREGATES
from .errors import MalformedQueryError
from .functions import FUNCTIONS, UNSUPPORTED
from .periods import Period
from .regex import compile_regex, glob_regex
from .tokens import Lexer, Token, TokenType
from .validate import validate

MAX_LIMIT = 100_000

_KEYWORDS = frozenset({"and", "or", "not", "like", "in", "as", "by", "asc", "desc"})
_COMPARISONS = {
    TokenType.EQ: "=",
    TokenType.NE: "!=",
    TokenType.LT: "<",
    TokenType.LE: "<=",
    TokenType.GT: ">",
    TokenType.GE: ">=",
}
_UNSUPPORTED_COMMANDS = {
    "diff": "compares with the previous time range",
    "anomaly": "detects anomalies with a trained model",
    "unmask": "needs data protection policies",
    "unnest": "flattens lists into rows",
    "lookup": "needs lookup tables",
    "filterindex": "needs field indexes",
    "source": "selects log groups inside the query",
    "addtotals": "adds total rows and columns",
    "join": "joins log groups",
}


def parse_query(text: str) -> ast.Query:
    """Parse a Logs Insights query; raises `MalformedQueryError` with the position of the first problem."""
    query = _Parser(text).query()
    validate(query)
    return query


class _Parser:
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

    # --- commands -------------------------------------------------------------------

    def query(self) -> ast.Query:
        if not self.text.strip(" \t\r\n"):
            raise self.error(0, len(self.text), "the query is empty")
        commands = [self.command()]
        while self.tok.type is TokenType.PIPE:
            self.advance()
            commands.append(self.command())
        if self.tok.type is not TokenType.EOF:
            raise self.unexpected("'|' or the end of the query")
        return ast.Query(self.text, tuple(commands))

    def command(self) -> ast.Command:
        token = self.tok
        parsers: dict[str, Callable[[int], ast.Command]] = {
            "fields": self.fields,
            "display": self.display,
            "filter": self.filter,
            "stats": self.stats,
            "sort": self.sort,
            "limit": self.limit,
            "parse": self.parse,
            "dedup": self.dedup,
            "pattern": self.pattern,
        }
        if token.type is not TokenType.IDENT:
            raise self.unexpected("a command")
        if token.word in _UNSUPPORTED_COMMANDS:
            reason = _UNSUPPORTED_COMMANDS[token.word]
            raise self.error(
                token.start, token.end, f"the {token.word} command ({reason}) is not supported by the logai sandbox"
            )
        parser = parsers.get(token.word)
        if parser is None:
            raise self.error(token.start, token.end, f"unknown command {token.value!r}")
        self.advance()
        return parser(token.start)

    def fields(self, start: int) -> ast.Command:
        items = self.projections()
        return ast.Fields(start, items[-1].end, items)

    def display(self, start: int) -> ast.Command:
        items = self.projections()
        return ast.Display(start, items[-1].end, items)

    def filter(self, start: int) -> ast.Command:
        condition = self.expression()
        return ast.Filter(start, condition.end, condition)

    def stats(self, start: int) -> ast.Command:
        items = self.projections()
        by: tuple[ast.Projection, ...] = ()
        if self.at_word("by"):
            self.advance()
            by = self.projections()
        return ast.Stats(start, (by or items)[-1].end, items, by)

    def sort(self, start: int) -> ast.Command:
        keys = [self.sort_key()]
        while self.tok.type is TokenType.COMMA:
            self.advance()
            keys.append(self.sort_key())
        return ast.Sort(start, keys[-1].end, tuple(keys))

    def sort_key(self) -> ast.SortKey:
        expr = self.expression()
        end = expr.end
        # Without a direction the sort is descending, like the default @timestamp order.
        descending = True
        if self.at_word("asc", "desc"):
            descending = self.tok.word == "desc"
            end = self.advance().end
        return ast.SortKey(expr.start, end, expr, descending)

    def limit(self, start: int) -> ast.Command:
        if self.at_word("any"):  # `limit any N` may stop early; a full scan returns the same rows
            self.advance()
        token = self.expect(TokenType.NUMBER, "the number of rows")
        if not isinstance(token.value, int) or not 1 <= token.value <= MAX_LIMIT:
            raise self.error(token.start, token.end, f"limit must be a whole number from 1 to {MAX_LIMIT}")
        return ast.Limit(start, token.end, token.value)

    def dedup(self, start: int) -> ast.Command:
        fields = [self.field_name()]
        while self.tok.type is TokenType.COMMA:
            self.advance()
            fields.append(self.field_name())
        return ast.Dedup(start, fields[-1].end, tuple(fields))

    def pattern(self, start: int) -> ast.Command:
        source = self.expression()
        return ast.PatternCommand(start, source.end, source)

    def parse(self, start: int) -> ast.Command:
        if self.tok.type in (TokenType.STRING, TokenType.SLASH):
            source: ast.Expr = ast.FieldRef(self.tok.start, self.tok.start, "@message")
        else:
            source = self.postfix()
        if self.at_word("logfmt", "csv"):
            raise self.error(
                self.tok.start, self.tok.end, f"parse {self.tok.word} is not supported by the logai sandbox"
            )
        if self.tok.type is TokenType.STRING:
            return self.parse_glob(start, source)
        if self.tok.type is TokenType.SLASH:
            return self.parse_regex(start, source)
        raise self.unexpected("a \"glob\" or a /regex/")

    def parse_glob(self, start: int, source: ast.Expr) -> ast.Command:
        glob = self.advance()
        if not self.at_word("as"):
            raise self.unexpected("'as' and the names of the extracted fields")
        self.advance()
        names = [self.alias()]
        while self.tok.type is TokenType.COMMA:
            self.advance()
            names.append(self.alias())
        stars = str(glob.value).count("*")
        if stars == 0 or stars != len(names):
            raise self.error(
                glob.start, self.tok.start, f"the glob has {stars} '*' but {len(names)} field names follow 'as'"
            )
        pattern = glob_regex(str(glob.value))
        return ast.Parse(start, self.tok.start, source, pattern, tuple(names), tuple(range(1, stars + 1)))

    def parse_regex(self, start: int, source: ast.Expr) -> ast.Command:
        regex = self.regex()
        groups = sorted(regex.pattern.groupindex.items(), key=lambda item: item[1])
        if not groups:
            raise self.error(regex.start, regex.end, "the regular expression has no named capturing group (?<name>...)")
        if self.at_word("multi"):
            raise self.error(self.tok.start, self.tok.end, "parse … multi is not supported by the logai sandbox")
        names = tuple(name for name, _ in groups)
        return ast.Parse(start, regex.end, source, regex.pattern, names, tuple(index for _, index in groups))

    # --- projections and names --------------------------------------------------------

    def projections(self) -> tuple[ast.Projection, ...]:
        items = [self.projection()]
        while self.tok.type is TokenType.COMMA:
            self.advance()
            items.append(self.projection())
        return tuple(items)

    def projection(self) -> ast.Projection:
        expr = self.expression()
        if self.at_word("as"):
            self.advance()
            alias_token = self.tok
            alias = self.alias()
            return ast.Projection(expr.start, alias_token.end, expr, alias, True)
        name = expr.name if isinstance(expr, ast.FieldRef) else self.source(expr.start, expr.end)
        return ast.Projection(expr.start, expr.end, expr, name, False)

    def alias(self) -> str:
        if self.tok.type is TokenType.FIELD or (self.tok.type is TokenType.IDENT and self.tok.word not in _KEYWORDS):
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
        if token.type is TokenType.IDENT and token.word not in _KEYWORDS:
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
