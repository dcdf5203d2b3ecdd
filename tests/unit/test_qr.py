"""QR codes decode back to exactly the URL they were made for."""

from __future__ import annotations

import re
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


# Terminal themes: (default foreground, default background) as grey levels.
LIGHT_THEME, DARK_THEME = (30, 250), (230, 20)
XTERM_256 = {16: 0, 231: 255}  # the two cube colours the drawing uses
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def render(drawing: str, theme: tuple[int, int]) -> Image.Image:
    """Paint a terminal drawing as a terminal with ``theme`` would, two pixels per cell.

    Only what a terminal does is modelled: SGR colours (256-colour cube and
    reset), default colours from the theme, and the half and full blocks.
    """
    rows = drawing.splitlines()
    width = max(len(SGR.sub("", r)) for r in rows)
    image = Image.new("L", (width, len(rows) * 2), theme[1])
    for y, row in enumerate(rows):
        fg, bg, x = theme[0], theme[1], 0
        for token in re.split(r"(\x1b\[[0-9;]*m)", row):
            if match := SGR.fullmatch(token):
                codes = [int(c) for c in match[1].split(";") if c] or [0]
                if codes == [0]:
                    fg, bg = theme
                for n, code in enumerate(codes[:-2]):
                    if code in (38, 48) and codes[n + 1] == 5:
                        level = XTERM_256[codes[n + 2]]
                        fg, bg = (level, bg) if code == 38 else (fg, level)
                continue
            for char in token:
                top, bottom = {"▀": (fg, bg), "▄": (bg, fg), "█": (fg, fg)}.get(char, (bg, bg))
                image.putpixel((x, 2 * y), top)
                image.putpixel((x, 2 * y + 1), bottom)
                x += 1
    return image.resize((image.width * 8, image.height * 8), Image.Resampling.NEAREST)


def decode_as_is(image: Image.Image) -> str:
    """Decode a code without trying the inverted image (as many phone scanners do)."""
    results = zxingcpp.read_barcodes(image.convert("RGB"), try_invert=False)
    assert len(results) == 1, "no code found without inversion"
    return str(results[0].text)


@pytest.mark.parametrize("theme", [LIGHT_THEME, DARK_THEME], ids=["light", "dark"])
def test_the_colour_drawing_scans_on_light_and_dark_terminals(theme: tuple[int, int]) -> None:
    """Dark modules are drawn black and light ones white, whatever the terminal's theme."""
    url = "http://192.168.1.23:41000/Zq9sYk3vTt0aB2cD4eF6gH8iJ0kL2mN4/"
    assert decode_as_is(render(qr_terminal(url), theme)) == url


def test_the_colour_drawing_has_its_quiet_zone_in_white() -> None:
    """The first and last text rows are all light: the quiet zone is drawn, not assumed."""
    rows = qr_terminal("http://h:1/x").splitlines()
    for row in (rows[0], rows[-1]):
        assert set(re.findall(r"38;5;(\d+);48;5;(\d+)", row)) == {("231", "231")}


def test_the_plain_drawing_scans_on_a_dark_terminal() -> None:
    """Without colours, light modules are drawn as blocks: right on dark terminals."""
    url = "http://127.0.0.1:8888/lab?token=abc"
    assert decode_as_is(render(qr_terminal(url, color=False), DARK_THEME)) == url


def test_the_plain_drawing_is_inverted_on_a_light_terminal() -> None:
    """The check can fail: light-on-dark text on a light terminal does not scan as is."""
    drawing = render(qr_terminal("http://127.0.0.1:8888/lab?token=abc", color=False), LIGHT_THEME)
    assert not zxingcpp.read_barcodes(drawing.convert("RGB"), try_invert=False)


@settings(max_examples=5, deadline=None)
@given(strategies.urls)
def test_png_and_terminal_drawings_decode_to_exactly_the_url(url: str) -> None:
    """The PNG and the light-terminal drawing both read back exactly the URL."""
    assert decode_as_is(qr_for_url(url, box_size=4)) == url
    assert decode_as_is(render(qr_terminal(url), LIGHT_THEME)) == url


@pytest.mark.parametrize("url", ["", "http://a b", "http://x/" + "y" * 3000])
def test_unencodable_input_raises_invalid_option(url: str) -> None:
    """Empty, spaced or huge URLs are refused with a typed error."""
    with pytest.raises(errors.InvalidOption):
        qr_for_url(url)


def test_a_url_of_the_longest_length_is_encoded_and_one_more_is_refused() -> None:
    """2000 characters is the limit: exactly 2000 make a code, 2001 are refused."""
    url = "http://x/" + "y" * (2000 - len("http://x/"))
    assert qr_terminal(url, color=False)
    with pytest.raises(errors.InvalidOption):
        qr_terminal(url + "y")


def test_a_refusal_quotes_the_start_of_the_url_and_gives_the_limit() -> None:
    """The message shows the first 80 characters of what was given; the hint, the rule."""
    url = "http://x/" + "y" * 3000
    with pytest.raises(errors.InvalidOption) as caught:
        qr_for_url(url)
    assert caught.value.message == f"Cannot make a QR code of {url[:80]!r}."
    assert caught.value.hint == "Give a URL of 1 to 2000 characters without spaces."


def test_the_image_is_rgb_black_on_white_at_ten_pixels_per_module() -> None:
    """By default each module is 10 pixels, quiet zone included; colours are pure RGB."""
    url = "http://127.0.0.1:8888/lab?token=abc"
    modules = len(qr_terminal(url, color=False).splitlines())
    image = qr_for_url(url)
    assert image.mode == "RGB"
    assert image.size == (10 * modules, 10 * modules)
    assert {colour for _, colour in image.getcolors() or []} == {(0, 0, 0), (255, 255, 255)}


def test_the_png_is_written_whatever_the_name_and_its_folders_are_made(tmp_path: Path) -> None:
    """Missing parent folders are created, and the file is PNG even without a .png suffix."""
    path = save_qr("http://h:1/x", tmp_path / "a" / "b" / "join")
    assert path == tmp_path / "a" / "b" / "join"
    with Image.open(path) as image:
        assert image.format == "PNG"


@pytest.mark.parametrize("url", ["http://h:1/x", "http://192.168.1.23:41000/"])
def test_the_drawings_have_one_text_row_per_module_row_or_two(url: str) -> None:
    """Plain: one line per module row, two blocks per module. Colour: a line per two rows.

    The second URL needs a larger code (33 modules with the quiet zone), so
    the colour drawing pads an odd number of rows that is a multiple of 3.
    """
    plain = qr_terminal(url, color=False)
    rows = plain.splitlines()
    assert plain == "\n".join(rows) + "\n"
    assert {len(row) for row in rows} == {2 * len(rows)}
    assert set("".join(rows)) == {" ", "█"}
    colour = qr_terminal(url)
    lines = colour.splitlines()
    assert colour == "\n".join(lines) + "\n"
    assert len(lines) == (len(rows) + 1) // 2
    cell = r"\x1b\[38;5;(?:16|231);48;5;(?:16|231)m▀"
    for line in lines:
        assert re.fullmatch(f"(?:{cell}){{{len(rows)}}}\x1b\\[0m", line)
