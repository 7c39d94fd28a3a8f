"""YAML files validated against pydantic models, with problems located by file and line.

PyYAML's composed node tree keeps each node's position; we walk it alongside pydantic's error
locations so that a message reads `knowledge/procedures/ho-tich.yaml:42: aliases: ...`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
# LibYAML's C parser when PyYAML was built with it (the wheels are): parsing the knowledge with the
# pure-Python one took 1.5 s of a 2 s start-up.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, located for a human to fix it."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class InvalidKnowledge(Exception):
    """Raised when knowledge or configuration cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def line_of(node: yaml.Node, loc: tuple[Any, ...]) -> int:
    """Line (1-based) of the deepest node along `loc` that exists in the YAML tree."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
    return node.start_mark.line + 1


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None, list[Problem]]:
    """Parse a YAML file into data and its node tree; syntax errors become problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, None, [Problem(str(path), 0, f"cannot read file: {exc}")]
    try:
        # Parse once: compose the node tree (it keeps line numbers), then build the data from it.
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        return None, None, [Problem(str(path), line, f"YAML syntax error: {getattr(exc, 'problem', exc)}")]
    return data, node, []


def validation_problems(
    path: Path, node: yaml.Node | None, error: ValidationError, prefix: tuple = ()
) -> list[Problem]:
    """Translate a pydantic error into located problems."""
    problems = []
    for err in error.errors():
        loc = prefix + tuple(err["loc"])
        line = line_of(node, loc) if node is not None else 0
        where = ".".join(str(p) for p in loc)
        problems.append(Problem(str(path), line, f"{where}: {err['msg']}"))
    return problems


def load_models(path: Path, model: type[M]) -> tuple[list[tuple[M, int]], list[Problem]]:
    """Load a YAML file holding a list of `model` items; return (item, line) pairs and problems."""
    data, node, problems = read_yaml(path)
    if problems:
        return [], problems
    if not isinstance(data, list):
        return [], [Problem(str(path), 1, "expected a list of entries at the top level")]
    items: list[tuple[M, int]] = []
    for index, raw in enumerate(data):
        line = line_of(node, (index,))
        try:
            items.append((model.model_validate(raw), line))
        except ValidationError as exc:
            problems.extend(validation_problems(path, node, exc, (index,)))
    return items, problems


def load_model(path: Path, model: type[M]) -> tuple[M | None, list[Problem]]:
    """Load a YAML file holding one mapping validated as `model`."""
    data, node, problems = read_yaml(path)
    if problems:
        return None, problems
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, validation_problems(path, node, exc)
