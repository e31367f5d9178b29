"""Product images: a small PNG per product, drawn with Pillow.

Each image is 96x96, filled with the product's colour, with a simple shape for its category (a shirt
outline for clothing, a shoe for shoes, a ring for accessories, a phone for electronics, a house for
home, a bottle for beauty, a ball for sports, a box for grocery) and the product id at the bottom, in
black or white, whichever contrasts with the colour. Drawing is deterministic: the same product
always gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from PIL import Image, ImageDraw

from aimass.demo._spec import COLOURS

__all__ = ["IMAGE_SIZE", "draw_product_image", "write_images"]

IMAGE_SIZE = 96
_RGB = {name.lower(): rgb for name, _, rgb in COLOURS}


def _contrast(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return (20, 20, 20) if luminance > 140 else (245, 245, 245)


def _shape(draw: ImageDraw.ImageDraw, category: str, ink: tuple[int, int, int]) -> None:
    if category == "clothing":
        draw.polygon(
            [
                (30, 18),
                (42, 14),
                (54, 14),
                (66, 18),
                (78, 32),
                (68, 40),
                (64, 36),
                (64, 72),
                (32, 72),
                (32, 36),
                (28, 40),
                (18, 32),
            ],
            outline=ink,
            width=3,
        )
    elif category == "shoes":
        draw.polygon(
            [(18, 56), (36, 30), (48, 30), (52, 44), (78, 52), (80, 66), (18, 66)], outline=ink, width=3
        )
    elif category == "accessories":
        draw.ellipse([26, 18, 70, 62], outline=ink, width=5)
    elif category == "electronics":
        draw.rounded_rectangle([34, 12, 62, 70], radius=6, outline=ink, width=3)
        draw.ellipse([45, 62, 51, 68], fill=ink)
    elif category == "home":
        draw.polygon([(48, 14), (78, 40), (18, 40)], outline=ink, width=3)
        draw.rectangle([26, 40, 70, 70], outline=ink, width=3)
    elif category == "beauty":
        draw.rectangle([40, 12, 56, 24], fill=ink)
        draw.rounded_rectangle([32, 24, 64, 70], radius=8, outline=ink, width=3)
    elif category == "sports":
        draw.ellipse([24, 14, 72, 62], outline=ink, width=3)
        draw.line([(24, 38), (72, 38)], fill=ink, width=2)
        draw.arc([36, 14, 60, 62], 270, 90, fill=ink, width=2)
    else:
        draw.rectangle([24, 22, 72, 68], outline=ink, width=3)
        draw.line([(24, 34), (72, 34)], fill=ink, width=2)


def draw_product_image(product_id: str, category: str, colour: str) -> Image.Image:
    """The image of one product.

    Parameters
    ----------
    product_id : str
        Printed at the bottom, e.g. ``"P00042"``.
    category : str
        Chooses the shape.
    colour : str
        Lower-case colour name from the catalog (``"red"``); unknown names give grey.

    Returns
    -------
    PIL.Image.Image
        A 96x96 RGB image.
    """
    rgb = _RGB.get(colour, (128, 128, 128))
    ink = _contrast(rgb)
    image = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), rgb)
    draw = ImageDraw.Draw(image)
    _shape(draw, category, ink)
    draw.text((IMAGE_SIZE // 2, 86), product_id, fill=ink, anchor="mm")
    return image


def write_images(products: pd.DataFrame, folder: str | Path) -> list[Path]:
    """Draw every product's image into ``folder/<product_id>.png``.

    Parameters
    ----------
    products : pandas.DataFrame
        Clean ``core.products`` (``product_id``, ``category``, ``attrs`` with ``color``).
    folder : str or pathlib.Path
        Created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written, in product order.
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for product_id, category, attrs in zip(
        products["product_id"], products["category"], products["attrs"], strict=True
    ):
        image = draw_product_image(str(product_id), str(category), str(json.loads(str(attrs))["color"]))
        file = target / f"{product_id}.png"
        image.save(file, format="PNG", compress_level=1)
        written.append(file)
    return written
