"""Bad PDFs built in the tests (never stored): a password-protected copy of a real one, and a scan without text."""
from __future__ import annotations

import io


def encrypted(pdf: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password="secret", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def scanned() -> bytes:
    """A one-page PDF holding only a white image: no text layer."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (850, 1100), "white").save(buf, "PDF")
    return buf.getvalue()
