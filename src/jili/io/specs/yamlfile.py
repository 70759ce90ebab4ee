"""YAML loading that remembers where every key stood (file:line), for error messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jili.core.facts import CONTROL_CHARACTERS
from jili.core.problems import Location, Problem, Severity


class _LineLoader(yaml.SafeLoader):
    pass


MAX_BYTES = 1_000_000  # a spec file larger than this is refused with a clear message
MAX_DEPTH = 50  # nesting deeper than this is refused


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    lines: dict[str, int] = {}
    for key_node, _value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        if key in lines:  # YAML says the last one wins; a person meant one of them
            raise yaml.constructor.ConstructorError(
                None, None, f"the key '{key}' appears twice (lines {lines[key]} and {key_node.start_mark.line + 1})",
                key_node.start_mark)
        lines[key] = key_node.start_mark.line + 1
    return _LinedDict({str(k): v for k, v in mapping.items()}, lines, node.start_mark.line + 1)


class _LinedDict(dict[str, Any]):
    """A dict that also knows the line of each key and of itself."""

    def __init__(self, data: dict[str, Any], lines: dict[str, int], line: int) -> None:
        super().__init__(data)
        self.key_lines = lines
        self.line = line


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    """A date YAML cannot make (9999-99-99) stays the text it was, for the loader to report at its line."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


@dataclass(frozen=True, slots=True)
class YamlDocument:
    path: str
    data: Any

    def line_of(self, keys: tuple[str | int, ...]) -> int | None:
        """Line of the deepest key of ``keys`` that exists."""
        node: Any = self.data
        line: int | None = getattr(node, "line", None)
        for key in keys:
            if isinstance(node, _LinedDict) and str(key) in node:
                line = node.key_lines.get(str(key), line)
                node = node[str(key)]
            elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
                node = node[key]
                line = getattr(node, "line", line)
            else:
                break
        return line

    def location(self, keys: tuple[str | int, ...] = ()) -> Location:
        return Location(self.path, line=self.line_of(keys))


def _depth(text: str) -> int:
    """How deeply brackets nest (flow style), the one way YAML nests without indentation."""
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
    return deepest


def load_yaml(path: Path) -> tuple[YamlDocument | None, list[Problem]]:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [Problem(Severity.ERROR, "file_too_large", Location(str(path)),
                                  f"The file is {size:,} bytes; a spec file may hold at most {MAX_BYTES:,}.",
                                  f"文件大小 {size:,} 字节，规格文件最多 {MAX_BYTES:,} 字节。",
                                  fix="Split it, or move data (lists of agents, phrases) into fact files.",
                                  fix_zh="请拆分文件，或将数据（坐席、短语列表）放入数据文件。")]
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None, [Problem(Severity.ERROR, "file_not_found", Location(str(path)),
                              "File not found.", "找不到文件。", fix="Check the path.", fix_zh="请检查路径。")]
    except UnicodeDecodeError as exc:
        return None, [Problem(Severity.ERROR, "bad_encoding", Location(str(path)),
                              "A YAML file must be UTF-8.", "YAML 文件须为 UTF-8 编码。",
                              found=str(exc), fix="Save the file as UTF-8.", fix_zh="请以 UTF-8 保存。")]
    return parse_yaml(text, str(path))


def parse_yaml(text: str, path: str) -> tuple[YamlDocument | None, list[Problem]]:
    """YAML text (named ``path`` in problems) with the line of every key."""
    bad = next((i for i, ch in enumerate(text) if ch in CONTROL_CHARACTERS), None)
    if bad is not None:
        at = text.count("\n", 0, bad) + 1
        return None, [Problem(Severity.ERROR, "control_character", Location(path, line=at),
                              f"The file holds a control character (code {ord(text[bad])}) on line {at}.",
                              f"文件第 {at} 行含有控制字符（编码 {ord(text[bad])}）。",
                              fix="Remove it: a spec file is plain text.", fix_zh="请删除该字符：规格文件应为纯文本。")]
    depth = _depth(text)
    if depth > MAX_DEPTH:
        return None, [Problem(Severity.ERROR, "too_deep", Location(path),
                              f"The file nests {depth} levels deep; at most {MAX_DEPTH} are allowed.",
                              f"文件嵌套 {depth} 层，最多允许 {MAX_DEPTH} 层。", fix="Flatten the structure.",
                              fix_zh="请减少嵌套层级。")]
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        return None, [Problem(Severity.ERROR, "yaml_syntax", Location(path, line=line),
                              f"YAML syntax error: {exc.problem}", f"YAML 语法错误：{exc.problem}",
                              fix="Check indentation and quoting on this line.",
                              fix_zh="请检查该行的缩进和引号。")]
    except RecursionError:
        return None, [Problem(Severity.ERROR, "too_deep", Location(path),
                              f"The file nests deeper than can be read; at most {MAX_DEPTH} levels are allowed.",
                              f"文件嵌套过深，最多允许 {MAX_DEPTH} 层。", fix="Flatten the structure.",
                              fix_zh="请减少嵌套层级。")]
    except yaml.YAMLError as exc:
        return None, [Problem(Severity.ERROR, "yaml_syntax", Location(path),
                              f"YAML syntax error: {str(exc).splitlines()[0]}", "YAML 语法错误。",
                              fix="Check the file's indentation and quoting.", fix_zh="请检查文件的缩进和引号。")]
    return YamlDocument(path, data), []


@dataclass(frozen=True, slots=True)
class SpecKind:
    """A kind of spec file, for the one problem of a file whose top is not a mapping."""

    code: str
    en: str
    zh: str
    fix: str
    fix_zh: str


def load_yaml_mapping(path: Path, kind: SpecKind) -> tuple[YamlDocument | None, list[Problem]]:
    """A spec file whose top is a mapping (a policy, a scorecard, a rule pack); anything else is one problem."""
    return _top_mapping(*load_yaml(path), kind)


def parse_yaml_mapping(text: str, path: str, kind: SpecKind) -> tuple[YamlDocument | None, list[Problem]]:
    """The same, for a spec's text (as a run stored it)."""
    return _top_mapping(*parse_yaml(text, path), kind)


def _top_mapping(doc: YamlDocument | None, problems: list[Problem],
                 kind: SpecKind) -> tuple[YamlDocument | None, list[Problem]]:
    if doc is None or isinstance(doc.data, dict):
        return doc, problems
    return None, [Problem(Severity.ERROR, kind.code, doc.location(), f"A {kind.en} file must be a YAML mapping.",
                          f"{kind.zh}文件须为 YAML 映射。", fix=kind.fix, fix_zh=kind.fix_zh)]


def bilingual(value: Any, default: str) -> tuple[str, str]:
    """(English, Chinese) from "中文 / English", "English / 中文", {zh: …, en: …} or one text for both."""
    if isinstance(value, dict):
        en = str(value.get("en", value.get("zh", default)))
        return en, str(value.get("zh", en))
    if isinstance(value, str) and " / " in value:
        left, right = value.split(" / ", 1)
        return (right, left) if any("\u4e00" <= ch <= "\u9fff" for ch in left) else (left, right)
    text = default if value is None else str(value)
    return text, text
