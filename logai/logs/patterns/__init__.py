"""Log template mining: group lines that print the same event, whatever their values.

    miner = PatternMiner()
    ids = [miner.add(line) for line in lines]
    for template in miner.templates():          # most frequent first
        print(template.count, template.template)
    line_template = [miner.resolve(i) for i in ids]   # or: templates, line_template = mine(lines)

Variables are shown as `<*>`, one convention for every kind of value
(numbers, ids, hosts, paths, words that vary); adjacent variables read as one.

How a line becomes a template, one idea per module:

- `fields.py`, `header.py`: the header (time, level, pid, host, thread,
  logger) is cut off. Its shape is learned from the first lines of the
  stream, in kinds of field (time-time-level-logger), not picked from a list
  of formats; lines that fit no learned shape use per-line rules, and a new
  shape that keeps coming back is learned too.
- `masks.py`: values in the message become `<*>`.
- `store.py`, `merging.py`: a message joins the pattern it fits, else starts
  a new one; patterns merge when the evidence says a position holds values
  (Brain's idea: a column with many words is a variable, one with few is
  part of the event), so one similarity threshold never decides.
- `miner.py`: `PatternMiner` streams with bounded memory; ids stay valid
  across merges through `resolve`.

`strip_header(line)` is the per-line header rule on its own.
"""

from .header import strip_header
from .miner import PatternMiner, Template, mine

__all__ = ["PatternMiner", "Template", "mine", "strip_header"]
