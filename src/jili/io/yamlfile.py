"""YAML loading that remembers where every key stood (file:line), for error messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jili.core.problems import Location, Problem, Severity


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    lines = {}
    for key_node, _value_node in node.value:
        lines[str(loader.construct_object(key_node, deep=True))] = key_node.start_mark.line + 1
    return _LinedDict({str(k): v for k, v in mapping.items()}, lines, node.start_mark.line + 1)


class _LinedDict(dict[str, Any]):
    """A dict that also knows the line of each key and of itself."""

    def __init__(self, data: dict[str, Any], lines: dict[str, int], line: int) -> None:
        super().__init__(data)
        self.key_lines = lines
        self.line = line


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


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


def load_yaml(path: Path) -> tuple[YamlDocument | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None, [Problem(Severity.ERROR, "file_not_found", Location(str(path)),
                              "File not found.", "找不到文件。", fix="Check the path.", fix_zh="请检查路径。")]
    except UnicodeDecodeError as exc:
        return None, [Problem(Severity.ERROR, "bad_encoding", Location(str(path)),
                              "A YAML file must be UTF-8.", "YAML 文件须为 UTF-8 编码。",
                              found=str(exc), fix="Save the file as UTF-8.", fix_zh="请以 UTF-8 保存。")]
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        return None, [Problem(Severity.ERROR, "yaml_syntax", Location(str(path), line=line),
                              f"YAML syntax error: {exc.problem}", f"YAML 语法错误：{exc.problem}",
                              fix="Check indentation and quoting on this line.",
                              fix_zh="请检查该行的缩进和引号。")]
    return YamlDocument(str(path), data), []


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
