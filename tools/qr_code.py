"""QR codes drawn with the ``qrcode`` library, as data URIs for QWeb reports
(wkhtmltopdf needs no server round trip for them)."""

import base64
import io

import qrcode
from qrcode.image.pure import PyPNGImage


def qr_png(text, box_size=4, border=2):
    """The PNG bytes of a QR code encoding ``text``."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(image_factory=PyPNGImage).save(buffer)
    return buffer.getvalue()


def qr_data_uri(text, box_size=4, border=2):
    """A ``data:image/png;base64,...`` URI of a QR code encoding ``text``."""
    return "data:image/png;base64," + base64.b64encode(qr_png(text, box_size, border)).decode()
