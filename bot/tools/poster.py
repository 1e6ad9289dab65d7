"""The patient link and its printable QR poster (PNG and PDF, A4) with the clinic's name.

The QR code is made by segno (a maintained, pure-Python QR library) and drawn into the poster pixel
for pixel (``figimage``: no resampling), so a phone camera reads it from paper. The poster's title is
also stored in the files' metadata (PNG text chunk, PDF Info), where a test or a printer queue can read it.
"""

from __future__ import annotations

from pathlib import Path

import segno

from bot.readiness import patient_link  # noqa: F401 (the link is the poster's; start-up logs it too)

A4_INCHES = (8.27, 11.69)
DPI = 150            # the PNG is 1240 x 1754 pixels; the PDF is vector text around the same image
QUIET_ZONE = 4       # modules of white around the code, as the QR standard asks
ERROR_LEVEL = "m"    # 15% of the code may be smudged or folded and still read


def qr_code(link: str) -> segno.QRCode:
    """The QR code for ``link`` (always a full-size QR code, never a Micro QR a phone may not read)."""
    return segno.make_qr(link, error=ERROR_LEVEL)


def poster_lines(catalog, contact: dict[str, str]) -> dict[str, str]:
    """Every text of the poster, from the catalog, with the clinic's name, phone and emergency number."""
    keys = ("poster_subtitle", "poster_need_telegram", "poster_scan", "poster_steps", "poster_phone",
            "poster_emergency")
    return {"name": contact["clinic_name"], **{key: catalog.render(f"setup.{key}", **contact) for key in keys}}


def write_poster(link: str, contact: dict[str, str], folder: Path, stem: str = "aftercare-poster", *,
                 language: str = "en", catalog_dir: Path | None = None) -> tuple[Path, Path]:
    """Write ``stem``.png and ``stem``.pdf into ``folder`` for the clinic of ``contact`` (its
    ``contact_values()``), in ``language``; returns their paths. Every line is also kept in the files'
    metadata (Description / Subject)."""
    import matplotlib
    matplotlib.use("Agg")
    import numpy as np
    from matplotlib.figure import Figure

    from messages.catalog import load_catalog

    catalog = load_catalog(language, catalog_dir)
    lines = poster_lines(catalog, contact)
    title = catalog.render("setup.poster_title", **contact)
    matrix = np.array(qr_code(link).matrix, dtype=float)
    side = matrix.shape[0] + 2 * QUIET_ZONE
    scale = int(A4_INCHES[0] * DPI * 0.5) // side           # whole pixels per module, about half the width
    padded = np.pad(1.0 - matrix, QUIET_ZONE, constant_values=1.0)  # 1 = white, 0 = black
    pixels = np.kron(padded, np.ones((scale, scale)))
    figure = Figure(figsize=A4_INCHES, dpi=DPI)
    width, height = int(A4_INCHES[0] * DPI), int(A4_INCHES[1] * DPI)
    x, y = (width - pixels.shape[1]) // 2, (height - pixels.shape[0]) // 2
    figure.figimage(pixels, xo=x, yo=y, cmap="gray", vmin=0, vmax=1, origin="upper")
    text = lambda at, what, **style: figure.text(0.5, at, what, ha="center", va="center", wrap=True, **style)  # noqa
    text(0.92, lines["name"], fontsize=30, weight="bold")
    text(0.87, lines["poster_subtitle"], fontsize=18)
    text(0.82, lines["poster_need_telegram"], fontsize=15, weight="bold")
    text(0.77, lines["poster_scan"], fontsize=12)
    text(0.24, lines["poster_steps"], fontsize=14, linespacing=1.6)
    text(0.17, link, fontsize=11, family="monospace")
    text(0.12, lines["poster_phone"], fontsize=17, weight="bold")
    text(0.06, lines["poster_emergency"], fontsize=17, weight="bold", color="#b00020")
    folder.mkdir(parents=True, exist_ok=True)
    png, pdf = folder / f"{stem}.png", folder / f"{stem}.pdf"
    every_line = "\n".join(lines.values())
    figure.savefig(png, dpi=DPI, metadata={"Title": title, "Description": every_line})
    figure.savefig(pdf, dpi=DPI, metadata={"Title": title, "Subject": every_line})
    return png, pdf
