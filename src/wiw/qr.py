"""QR codes that learners scan to join a workshop."""

from __future__ import annotations

from pathlib import Path

import qrcode
import qrcode.constants
from PIL import Image as PILImage

from wiw import errors

__all__ = ["qr_for_url", "qr_terminal", "save_qr"]

_MAX_URL = 2000  # well under a QR code's capacity at medium error correction
QUIET_ZONE = 4  # modules of light margin around the code, as the standard asks
# Terminal colours by number from the 256-colour cube, which terminal themes
# leave alone (unlike the 16 basic colours): pure black and pure white.
_DARK, _LIGHT = 16, 231
_UPPER = "\u2580"  # ▀: the upper half of a cell in the foreground colour


def _code(url: str) -> qrcode.QRCode:
    if not url or len(url) > _MAX_URL or any(c.isspace() for c in url):
        raise errors.InvalidOption(
            f"Cannot make a QR code of {url[:80]!r}.",
            hint=f"Give a URL of 1 to {_MAX_URL} characters without spaces.",
        )
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_for_url(url: str, *, box_size: int = 10) -> PILImage.Image:
    """Make a QR code that encodes exactly ``url``.

    Args:
        url: The URL learners should open.
        box_size: Pixels per module of the code.

    Returns:
        A black-on-white Pillow image of the code, with its quiet zone.
    """
    code = _code(url)
    code.box_size = box_size
    image = code.make_image(fill_color="black", back_color="white")
    pil: PILImage.Image = image.get_image()
    return pil.convert("RGB")


def save_qr(url: str, path: str | Path) -> Path:
    """Write the QR code of ``url`` as a PNG file and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    qr_for_url(url).save(target, format="PNG")
    return target


def qr_terminal(url: str, *, color: bool = True) -> str:
    """Return the QR code of ``url`` drawn with text, for a terminal.

    Args:
        url: The URL to encode.
        color: Draw dark modules black and light ones white with explicit
            terminal colours, so the code has the polarity scanners expect on
            light and dark terminals alike (two modules per character cell,
            quiet zone included). Without colour, light modules are drawn as
            blocks, which scans on dark terminals only.

    Returns:
        The drawing, one line per text row.
    """
    code = _code(url)
    matrix = code.get_matrix()  # True: dark, quiet zone included
    if not color:
        return "\n".join("".join("  " if dark else "██" for dark in row) for row in matrix) + "\n"
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))  # light modules below, to pair the rows
    lines = []
    for top, bottom in zip(matrix[::2], matrix[1::2], strict=True):
        cells = []
        for upper, lower in zip(top, bottom, strict=True):
            fg, bg = (_DARK if upper else _LIGHT), (_DARK if lower else _LIGHT)
            cells.append(f"\x1b[38;5;{fg};48;5;{bg}m{_UPPER}")
        lines.append("".join(cells) + "\x1b[0m")
    return "\n".join(lines) + "\n"
