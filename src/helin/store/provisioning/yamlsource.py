"""YAML with line numbers: plain data plus the line where every key and list item starts.

PyYAML composes the document into nodes that carry marks; the data is constructed from those
nodes with the safe constructor, and the lines are collected from the same nodes, so an
error found later (by pydantic or by the database) can name the line it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

PathPart = str | int
Path = tuple[PathPart, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAX_DEPTH = 64


@dataclass(frozen=True)
class Problem:
    """Something wrong at one place in the document."""

    path: Path
    """Where in the file: ``("tenants", 0, "groups", 1, "members", 2, "user")``."""
    message: str


class SourceError(Exception):
    """A document that is not valid YAML (or repeats a key), with the line of the problem."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass
class Source:
    """A parsed YAML document and where each of its parts starts."""

    data: Any
    """The document as Python data (dicts, lists, strings, numbers, dates)."""
    lines: dict[Path, int] = field(default_factory=dict)
    """``("groups", 0, "policy")`` -> 1-based line of that key or item."""

    def line(self, path: Path) -> int:
        """The line of ``path``, or of its nearest ancestor the document has."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1


def format_path(path: Path) -> str:
    """``("tenants", 0, "groups", 1, "policy")`` -> ``tenants[0].groups[1].policy``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(document)"


def parse(text: str) -> Source:
    """Parse one YAML document; raises ``SourceError`` for bad syntax or a repeated key."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Path, int] = {(): 1}
        if node is not None:
            _collect(node, (), lines, 0)
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        context = exc.context_mark
        if exc.context and context is not None and context.line + 1 != line:
            problem += f" ({exc.context} at line {context.line + 1})"
        raise SourceError(line, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise SourceError(1, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    return Source(data=data, lines=lines)


def _collect(node: yaml.Node, path: Path, lines: dict[Path, int], depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise SourceError(node.start_mark.line + 1, "the document nests too deeply")
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            line = key_node.start_mark.line + 1
            if key in seen:
                raise SourceError(line, f"{format_path((*path, key))}: key {key!r} is repeated")
            seen.add(key)
            lines[(*path, key)] = line
            _collect(value_node, (*path, key), lines, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _collect(item, (*path, index), lines, depth + 1)
