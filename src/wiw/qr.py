"""QR codes that learners scan to join a workshop."""

from __future__ import annotations

import io
from pathlib import Path

import qrcode
import qrcode.constants
from PIL import Image as PILImage

from wiw import errors

__all__ = ["qr_for_url", "qr_terminal", "save_qr"]

_MAX_URL = 2000  # well under a QR code's capacity at medium error correction


def _code(url: str) -> qrcode.QRCode:
    if not url or len(url) > _MAX_URL or any(c.isspace() for c in url):
        raise errors.InvalidOption(
            f"Cannot make a QR code of {url[:80]!r}: a URL of 1 to {_MAX_URL} "
            "characters without spaces is needed."
        )
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_for_url(url: str, *, box_size: int = 10) -> PILImage.Image:
    """Make a QR code that encodes exactly ``url``.

    Args:
        url: The URL learners should open.
        box_size: Pixels per module of the code.

    Returns:
        A black-on-white Pillow image of the code.
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


def qr_terminal(url: str) -> str:
    """Return the QR code of ``url`` drawn with text blocks, for a terminal."""
    out = io.StringIO()
    _code(url).print_ascii(out=out, invert=True)
    return out.getvalue()
