"""Query text to syntax tree: the commands of a Logs Insights query, separated by `|`.

Command names are case-insensitive (the docs write both `stats` and `STATS`);
expressions are parsed by `expressions.ExpressionParser`. The checks that need
the whole query (scopes, where aggregates may appear) are in `validate`.
"""

from __future__ import annotations

from collections.abc import Callable

from . import ast
from .expressions import ExpressionParser
from .regex import glob_regex
from .tokens import TokenType
from .validate import validate

MAX_LIMIT = 100_000

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


class _Parser(ExpressionParser):
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

    # --- projections -----------------------------------------------------------------

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
