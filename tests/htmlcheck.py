"""A page's HTML as a small tree, for tests that check what assistive technology reads: which
element an ``aria-describedby`` names, whether a field has a label. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
NOT_FIELDS = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self) -> list[Node]:
        found = [self]
        for c in self.children:
            if isinstance(c, Node):
                found += c.walk()
        return found

    def ancestors(self) -> list[Node]:
        up, node = [], self.parent
        while node is not None:
            up.append(node)
            node = node.parent
        return up


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, parent=self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str | bytes) -> Node:
    builder = _Builder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    return builder.root


def by_id(doc: Node) -> dict[str, Node]:
    return {n.attrs["id"]: n for n in doc.walk() if "id" in n.attrs}


def fields(doc: Node) -> list[Node]:
    return [n for n in doc.walk() if n.tag in ("select", "textarea")
            or (n.tag == "input" and n.attrs.get("type", "text") not in NOT_FIELDS)]


def label_of(doc: Node, control: Node) -> str:
    """The text that labels a form control ('' when nothing does)."""
    if control.attrs.get("aria-label"):
        return control.attrs["aria-label"]
    ids = by_id(doc)
    if control.attrs.get("aria-labelledby"):
        return " ".join(ids[i].text() for i in control.attrs["aria-labelledby"].split() if i in ids)
    for n in doc.walk():
        if n.tag == "label" and control.attrs.get("id") and n.attrs.get("for") == control.attrs["id"]:
            return n.text().strip()
    wrapping = next((a for a in control.ancestors() if a.tag == "label"), None)
    return wrapping.text().strip() if wrapping else ""


def describedby_problems(doc: Node) -> list[str]:
    """aria-describedby ids that name nothing on the page, or an empty element."""
    ids = by_id(doc)
    problems = []
    for n in doc.walk():
        for ref in n.attrs.get("aria-describedby", "").split():
            if ref not in ids:
                problems.append(f"<{n.tag} id={n.attrs.get('id')}> describedby {ref}: no such element")
            elif not ids[ref].text().strip():
                problems.append(f"<{n.tag} id={n.attrs.get('id')}> describedby {ref}: empty")
    return problems
