"""The two icons a Teams app package must carry, drawn at build time with the standard library.

Teams asks for a full-colour 192x192 PNG and a 32x32 outline PNG that is white on a transparent
background. Drawing them here (a speech bubble) keeps binary files out of the repository and
makes every build byte-for-byte the same, so a package can be compared with the last one.
"""

from __future__ import annotations

import functools
import struct
import zlib

COLOR_SIZE = 192
OUTLINE_SIZE = 32
ACCENT = (0x1D, 0x5B, 0x8C)  # the colour tile behind the bubble; also the manifest's accentColor
WHITE = (255, 255, 255)
# Each pixel is sampled on a SUPERSAMPLE x SUPERSAMPLE grid, so edges are smooth, not stepped.
SUPERSAMPLE = 3

Pixel = tuple[int, int, int, int]


def png_bytes(width: int, height: int, rows: list[list[Pixel]]) -> bytes:
    """An 8-bit RGBA PNG, with no timestamps or other chunks that would vary between builds."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(channel for px in row for channel in px) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _in_rounded_rect(x, y, left, top, right, bottom, radius) -> bool:
    nearest_x = min(max(x, left + radius), right - radius)
    nearest_y = min(max(y, top + radius), bottom - radius)
    return (x - nearest_x) ** 2 + (y - nearest_y) ** 2 <= radius**2 and (
        left <= x <= right and top <= y <= bottom
    )


def _in_triangle(x, y, a, b, c) -> bool:
    def side(p, q):
        return (x - q[0]) * (p[1] - q[1]) - (p[0] - q[0]) * (y - q[1])

    d1, d2, d3 = side(a, b), side(b, c), side(c, a)
    negative = d1 < 0 or d2 < 0 or d3 < 0
    positive = d1 > 0 or d2 > 0 or d3 > 0
    return not (negative and positive)


def _bubble(x: float, y: float, inset: float = 0.0) -> bool:
    """A speech bubble in unit coordinates (0..1): a rounded box with a tail at the lower left;
    ``inset`` shrinks the box, which the outline icon uses to cut out the middle."""
    box = _in_rounded_rect(x, y, 0.12 + inset, 0.16 + inset, 0.88 - inset, 0.70 - inset, 0.14)
    if inset:
        return box
    tail = _in_triangle(x, y, (0.26, 0.62), (0.46, 0.62), (0.22, 0.88))
    return box or tail


def _dots(x: float, y: float) -> bool:
    return any((x - cx) ** 2 + (y - 0.43) ** 2 <= 0.055**2 for cx in (0.33, 0.50, 0.67))


def _coverage(size: int, px: int, py: int, inside) -> float:
    hits = 0
    for sy in range(SUPERSAMPLE):
        for sx in range(SUPERSAMPLE):
            x = (px + (sx + 0.5) / SUPERSAMPLE) / size
            y = (py + (sy + 0.5) / SUPERSAMPLE) / size
            hits += inside(x, y)
    return hits / SUPERSAMPLE**2


def _blend(under: tuple[int, int, int], over: tuple[int, int, int], amount: float):
    return tuple(round(u + (o - u) * amount) for u, o in zip(under, over, strict=True))


@functools.cache  # the same bytes every time; drawing takes a moment
def color_icon() -> bytes:
    """192x192: a white bubble with three dots on the accent colour, edge to edge (Teams
    rounds the corners itself)."""
    rows = []
    for py in range(COLOR_SIZE):
        row = []
        for px in range(COLOR_SIZE):
            bubble = _coverage(COLOR_SIZE, px, py, _bubble)
            rgb = _blend(ACCENT, WHITE, bubble)
            if bubble:
                rgb = _blend(rgb, ACCENT, _coverage(COLOR_SIZE, px, py, _dots))
            row.append((*rgb, 255))
        rows.append(row)
    return png_bytes(COLOR_SIZE, COLOR_SIZE, rows)


@functools.cache
def outline_icon() -> bytes:
    """32x32: the bubble's outline in white; everything else fully transparent."""

    def ring(x: float, y: float) -> bool:
        return _bubble(x, y) and not _bubble(x, y, inset=0.09)

    rows = [
        [(*WHITE, round(255 * _coverage(OUTLINE_SIZE, px, py, ring))) for px in range(OUTLINE_SIZE)]
        for py in range(OUTLINE_SIZE)
    ]
    return png_bytes(OUTLINE_SIZE, OUTLINE_SIZE, rows)


def accent_hex() -> str:
    return "#" + "".join(f"{channel:02X}" for channel in ACCENT)
