"""The architecture as the plan builds it: which resources serve users, run the app, hold data.

Read from the plan (resource types), never from the blueprint, so the diagram shows what would
really be built. Each cloud's types map onto the same five layers of the data flow:
users → edge → app → data (database, files, cache), with secrets and monitoring beside.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LAYER_KEYS = ("edge", "app", "database", "files", "cache", "secrets", "monitoring", "backup")


def _layers() -> dict[str, dict[str, str]]:
    """Layer → {resource type: label}, merged from every cloud adapter's `diagram_layers`."""
    from councilkit.stacks.cloud import CLOUDS

    merged: dict[str, dict[str, str]] = {key: {} for key in LAYER_KEYS}
    for cloud in CLOUDS.values():
        for key, types in cloud.diagram_layers.items():
            merged[key].update(types)
    return merged


@dataclass
class Layer:
    key: str
    items: dict[str, int] = field(default_factory=dict)  # label → how many

    @property
    def text(self) -> str:
        return ", ".join(f"{label} ×{n}" if n > 1 else label for label, n in self.items.items())


def layers(plan) -> dict[str, Layer]:
    table = _layers()
    out = {key: Layer(key) for key in table}
    for r in plan.resources:
        for key, types in table.items():
            if r.type in types:
                label = types[r.type]
                out[key].items[label] = out[key].items.get(label, 0) + 1
    return out


def flow_description(found: dict[str, Layer]) -> str:
    """The diagram in words: its alt text, and what a screen reader announces."""
    parts = ["Users connect over HTTPS to " + (found["edge"].text or "the app")]
    parts.append("which forwards to " + (found["app"].text or "the app"))
    data = [found[k].text for k in ("database", "files", "cache") if found[k].items]
    if data:
        parts.append("which keeps its data in " + "; ".join(data))
    text = ", ".join(parts) + "."
    if found["secrets"].items:
        text += f" Secrets are held in {found['secrets'].text}."
    return text


BOX_W, BOX_H, GAP = 200, 70, 50


def svg(found: dict[str, Layer], title: str) -> str:
    """A left-to-right data-flow diagram as inline SVG (no scripts, prints in black and white)."""
    columns = [("Users", "browsers, staff and residents")]
    columns.append(("Edge", found["edge"].text or "-"))
    columns.append(("App", found["app"].text or "-"))
    data_rows = [(k.capitalize(), found[k].text) for k in ("database", "files", "cache") if found[k].items]
    width = 3 * (BOX_W + GAP) + BOX_W + 20
    height = max(1, len(data_rows)) * (BOX_H + 20) + 40
    desc = flow_description(found)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="arch-title arch-desc" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">',
        f'<title id="arch-title">{_esc(title)}</title>',
        f'<desc id="arch-desc">{_esc(desc)}</desc>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#0b0c0c"/></marker></defs>',
    ]
    mid = 20 + (height - 40) / 2 - BOX_H / 2
    for i, (name, text) in enumerate(columns):
        x = 10 + i * (BOX_W + GAP)
        out.append(_box(x, mid, name, text))
        if i:
            out.append(_arrow(x - GAP, mid + BOX_H / 2, x, mid + BOX_H / 2))
    x = 10 + 3 * (BOX_W + GAP)
    for j, (name, text) in enumerate(data_rows):
        y = 20 + j * (BOX_H + 20)
        out.append(_box(x, y, name, text))
        out.append(_arrow(x - GAP, mid + BOX_H / 2, x, y + BOX_H / 2))
    out.append("</svg>")
    return "\n".join(out)


def _box(x: float, y: float, name: str, text: str) -> str:
    lines = _wrap(text, 30)[:2]
    body = "".join(
        f'<text x="{x + 10}" y="{y + 42 + 16 * k}" font-size="12" fill="#0b0c0c">{_esc(line)}</text>'
        for k, line in enumerate(lines)
    )
    return (
        f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="#ffffff" stroke="#0b0c0c" '
        f'stroke-width="2"/><text x="{x + 10}" y="{y + 22}" font-size="15" font-weight="bold" '
        f'fill="#0b0c0c">{_esc(name)}</text>{body}'
    )


def _arrow(x1, y1, x2, y2) -> str:
    return (f'<line x1="{x1}" y1="{y1}" x2="{x2 - 2}" y2="{y2}" stroke="#0b0c0c" stroke-width="2" '
            f'marker-end="url(#arrow)"/>')


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return lines + ([line] if line else [])


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
