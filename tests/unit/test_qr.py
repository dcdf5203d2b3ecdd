"""QR codes decode back to exactly the URL they were made for."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from hypothesis import given, settings
from PIL import Image

from tests import strategies
from wiw import errors
from wiw.qr import qr_for_url, qr_terminal, save_qr


def decode(image: Image.Image) -> str:
    """Decode the single QR code in an image with zxing-cpp."""
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1
    return str(results[0].text)


@settings(max_examples=25, deadline=None)
@given(strategies.urls)
def test_qr_decodes_to_the_url(url: str) -> None:
    """A real decoder reads back exactly the URL."""
    assert decode(qr_for_url(url)) == url


def test_png_file_decodes_to_the_url(tmp_path: Path) -> None:
    """The saved PNG is a real PNG whose code reads back the URL."""
    url = "http://127.0.0.1:49153/lab?token=0123456789abcdef0123456789abcdef"
    path = save_qr(url, tmp_path / "qr" / "join.png")
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert decode(image.convert("RGB")) == url


def terminal_to_image(drawing: str) -> Image.Image:
    """Turn a half-block text drawing back into pixels (lit blocks are white)."""
    halves = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1)}
    lines = drawing.splitlines()
    # One character is one module wide and two modules (its halves) high.
    image = Image.new("L", (len(lines[0]) * 2, len(lines) * 4), 0)
    for row, line in enumerate(lines):
        for col, char in enumerate(line):
            top, bottom = halves.get(char, (0, 0))
            for half, lit in ((0, top), (1, bottom)):
                if lit:
                    box = (col * 2, row * 4 + half * 2, col * 2 + 2, row * 4 + half * 2 + 2)
                    image.paste(255, box)
    return image.resize((image.width * 4, image.height * 4), Image.Resampling.NEAREST)


def test_terminal_drawing_decodes_to_the_url() -> None:
    """The text drawing shown in a terminal is a scannable code of the URL."""
    url = "http://127.0.0.1:8888/lab?token=abc"
    assert decode(terminal_to_image(qr_terminal(url)).convert("RGB")) == url


@pytest.mark.parametrize("url", ["", "http://a b", "http://x/" + "y" * 3000])
def test_unencodable_input_raises_invalid_option(url: str) -> None:
    """Empty, spaced or huge URLs are refused with a typed error."""
    with pytest.raises(errors.InvalidOption):
        qr_for_url(url)
