"""The checks a query must pass beyond its syntax, each one a rule from the docs.

- Functions get the documented number of arguments; a period (`5m`) only goes
  where a datetime function takes one; `*` only in `count(*)`.
- Aggregate functions only appear in `stats`, not inside one another; a field
  in a `stats` item outside any aggregate must be an earlier item or a `by` field.
- At most two `stats`; `sort` and `limit` come after the second one ("If it is
  before the second stats command, the query is not valid").
- After `stats`, only the fields it produced can be used ("Invalid reference
  to @message"); `bin()` reads `@timestamp`, so it needs one too.
- Only `limit` may follow `dedup`; `pattern` works on log events.
- An ephemeral field cannot be defined twice (the service rejects redefining a
  name made by `as` or `parse` later in the query).
"""

from __future__ import annotations

from collections.abc import Iterator

from . import ast
from .aggregates import AGGREGATES
from .errors import MalformedQueryError
from .functions import FUNCTIONS
from .pattern import PATTERN_FIELDS


def validate(query: ast.Query) -> None:
    """Raise `MalformedQueryError` for the first rule the parsed query breaks."""
    _Validator(query.text).run(query.commands)


def children(expr: ast.Expr) -> tuple[ast.Expr, ...]:
    """The direct sub-expressions of an expression."""
    if isinstance(expr, ast.Unary):
        return (expr.operand,)
    if isinstance(expr, ast.Binary):
        return (expr.left, expr.right)
    if isinstance(expr, ast.Like):
        return (expr.operand, expr.pattern)
    if isinstance(expr, ast.In):
        return (expr.operand, expr.items)
    if isinstance(expr, ast.ListLiteral):
        return expr.items
    if isinstance(expr, ast.Call):
        return expr.args
    if isinstance(expr, ast.Index):
        return (expr.base, expr.index)
    if isinstance(expr, ast.Member):
        return (expr.base,)
    return ()


def walk(expr: ast.Expr) -> Iterator[ast.Expr]:
    """The expression and everything under it, parents first."""
    yield expr
    for child in children(expr):
        yield from walk(child)


class _Validator:
    def __init__(self, text: str) -> None:
        self.text = text
        self.known: set[str] | None = None  # None while rows are log events: any field may exist
        self.defined: set[str] = set()
        self.stats_seen = 0
        self.sorted_or_limited = False
        self.after_dedup = False

    def error(self, node: ast.Node, message: str) -> MalformedQueryError:
        return MalformedQueryError.at(self.text, node.start, node.end, message)

    def run(self, commands: tuple[ast.Command, ...]) -> None:
        for command in commands:
            if self.after_dedup and not isinstance(command, ast.Limit):
                raise self.error(command, "only limit can follow dedup")
            self.check_command(command)

    def check_command(self, command: ast.Command) -> None:
        if isinstance(command, ast.Fields | ast.Display):
            for item in command.items:
                self.check(item.expr)
                if item.aliased or not isinstance(item.expr, ast.FieldRef):
                    self.define(item, item.name, strict=item.aliased)
        elif isinstance(command, ast.Filter):
            self.check(command.condition)
        elif isinstance(command, ast.Parse):
            self.check(command.source)
            for name in command.names:
                self.define(command, name, strict=True)
        elif isinstance(command, ast.Stats):
            self.check_stats(command)
        elif isinstance(command, ast.Sort):
            for key in command.keys:
                self.check(key.expr)
            self.sorted_or_limited = True
        elif isinstance(command, ast.Limit):
            self.sorted_or_limited = True
        elif isinstance(command, ast.Dedup):
            for field in command.fields:
                self.check(field)
            self.after_dedup = True
        else:
            if self.known is not None:
                raise self.error(command, "pattern works on log events, so it must come before stats")
            self.check(command.source)
            self.known, self.defined = set(PATTERN_FIELDS), set(PATTERN_FIELDS)

    def check_stats(self, stats: ast.Stats) -> None:
        if self.stats_seen == 2:
            raise self.error(stats, "a query can have at most two stats commands")
        if self.stats_seen == 1 and self.sorted_or_limited:
            raise self.error(stats, "sort and limit must come after the second stats command")
        for item in stats.by:
            self.check(item.expr)
        outputs = [item.name for item in stats.by]
        for item in stats.items:
            self.check(item.expr, in_stats=True, stats_fields=set(outputs))
            outputs.append(item.name)
        duplicates = {name for name in outputs if outputs.count(name) > 1}
        if duplicates:
            raise self.error(stats, f"the stats command names {sorted(duplicates)[0]!r} twice")
        self.known, self.defined = set(outputs), set(outputs)
        self.stats_seen += 1

    def define(self, node: ast.Node, name: str, *, strict: bool) -> None:
        if strict and name in self.defined:
            raise self.error(node, f"the field {name!r} is already defined earlier in the query")
        self.defined.add(name)
        if self.known is not None:
            self.known.add(name)

    def resolvable(self, name: str) -> bool:
        if self.known is None or name in self.known:
            return True
        parts = name.split(".")
        return any(".".join(parts[:cut]) in self.known for cut in range(1, len(parts)))

    def check(self, expr: ast.Expr, *, in_stats: bool = False, stats_fields: set[str] | None = None) -> None:
        """Check one expression; in a stats item, fields outside aggregates must be in `stats_fields`."""
        self.check_node(expr, in_stats=in_stats, in_aggregate=False, stats_fields=stats_fields, period_ok=False)

    def check_node(
        self,
        expr: ast.Expr,
        *,
        in_stats: bool,
        in_aggregate: bool,
        stats_fields: set[str] | None,
        period_ok: bool,
    ) -> None:
        if isinstance(expr, ast.PeriodLiteral) and not period_ok:
            raise self.error(expr, "a time period is only valid as the period of bin, datefloor or dateceil")
        if isinstance(expr, ast.Star):
            raise self.error(expr, "'*' is only valid in count(*)")
        if isinstance(expr, ast.FieldRef):
            self.check_field(expr, expr.name, in_stats=in_stats, in_aggregate=in_aggregate, stats_fields=stats_fields)
            return
        if isinstance(expr, ast.Call):
            self.check_call(expr, in_stats=in_stats, in_aggregate=in_aggregate, stats_fields=stats_fields)
            return
        for child in children(expr):
            self.check_node(
                child, in_stats=in_stats, in_aggregate=in_aggregate, stats_fields=stats_fields, period_ok=False
            )

    def check_field(
        self, node: ast.Node, name: str, *, in_stats: bool, in_aggregate: bool, stats_fields: set[str] | None
    ) -> None:
        if in_stats and not in_aggregate:
            if stats_fields is None or name not in stats_fields:
                raise self.error(node, f"{name} must be inside an aggregate function such as count() or sum()")
            return
        if not self.resolvable(name):
            raise self.error(node, f"invalid reference to {name}: after stats only the fields it produced exist")

    def check_call(
        self, call: ast.Call, *, in_stats: bool, in_aggregate: bool, stats_fields: set[str] | None
    ) -> None:
        if call.aggregate:
            if not in_stats:
                raise self.error(call, f"the aggregate function {call.name}() is only valid in stats")
            if in_aggregate:
                raise self.error(call, f"the aggregate function {call.name}() cannot be inside another one")
            spec = AGGREGATES[call.name.lower()]
            self.check_arity(call, spec.min_args, spec.max_args)
            if spec.needs_timestamp:
                self.check_field(call, "@timestamp", in_stats=True, in_aggregate=True, stats_fields=stats_fields)
            args = call.args
            if not args or (spec.star and isinstance(args[0], ast.Star)):
                return
            for extra in args[1:]:
                if not isinstance(extra, ast.Literal) or isinstance(extra.value, str | bool):
                    raise self.error(extra, f"the second argument of {call.name}() must be a number")
            self.check_node(args[0], in_stats=True, in_aggregate=True, stats_fields=stats_fields, period_ok=False)
            return
        spec_fn = FUNCTIONS[call.name.lower()]
        self.check_arity(call, spec_fn.min_args, spec_fn.max_args)
        if spec_fn.implicit_timestamp:
            self.check_field(
                call, "@timestamp", in_stats=in_stats, in_aggregate=in_aggregate, stats_fields=stats_fields
            )
        for position, arg in enumerate(call.args):
            is_period = position in spec_fn.period_args
            if is_period and not isinstance(arg, ast.PeriodLiteral):
                raise self.error(arg, f"argument {position + 1} of {call.name}() must be a time period such as 5m")
            self.check_node(
                arg, in_stats=in_stats, in_aggregate=in_aggregate, stats_fields=stats_fields, period_ok=is_period
            )

    def check_arity(self, call: ast.Call, least: int, most: int | None) -> None:
        count = len(call.args)
        if count < least or (most is not None and count > most):
            if most is None:
                wanted = f"at least {least}"
            else:
                wanted = str(least) if least == most else f"{least} to {most}"
            raise self.error(call, f"{call.name}() takes {wanted} arguments, got {count}")
