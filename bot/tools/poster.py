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


def write_poster(link: str, clinic_name: str, folder: Path, stem: str = "aftercare-poster") -> tuple[Path, Path]:
    """Write ``stem``.png and ``stem``.pdf into ``folder``; returns their paths."""
    import matplotlib
    matplotlib.use("Agg")
    import numpy as np
    from matplotlib.figure import Figure

    from messages.catalog import load_catalog

    catalog = load_catalog()
    title = catalog.render("setup.poster_title", clinic_name=clinic_name)
    matrix = np.array(qr_code(link).matrix, dtype=float)
    side = matrix.shape[0] + 2 * QUIET_ZONE
    scale = int(A4_INCHES[0] * DPI * 0.6) // side           # whole pixels per module, about 60% of the width
    padded = np.pad(1.0 - matrix, QUIET_ZONE, constant_values=1.0)  # 1 = white, 0 = black
    pixels = np.kron(padded, np.ones((scale, scale)))
    figure = Figure(figsize=A4_INCHES, dpi=DPI)
    width, height = int(A4_INCHES[0] * DPI), int(A4_INCHES[1] * DPI)
    x, y = (width - pixels.shape[1]) // 2, (height - pixels.shape[0]) // 2
    figure.figimage(pixels, xo=x, yo=y, cmap="gray", vmin=0, vmax=1, origin="upper")
    figure.text(0.5, 0.88, clinic_name, ha="center", va="center", fontsize=30, weight="bold", wrap=True)
    figure.text(0.5, 0.82, catalog.render("setup.poster_subtitle"), ha="center", fontsize=18)
    figure.text(0.5, 0.16, catalog.render("setup.poster_scan"), ha="center", fontsize=13)
    figure.text(0.5, 0.10, link, ha="center", fontsize=12, family="monospace")
    folder.mkdir(parents=True, exist_ok=True)
    png, pdf = folder / f"{stem}.png", folder / f"{stem}.pdf"
    figure.savefig(png, dpi=DPI, metadata={"Title": title})
    figure.savefig(pdf, dpi=DPI, metadata={"Title": title})
    return png, pdf
