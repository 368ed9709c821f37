"""PDF from an HTML template with WeasyPrint. Only local files are read: the print stylesheet is
passed as a file, and the HTML refers to nothing else (no network, no images)."""

from django.contrib.staticfiles import finders

PRINT_CSS = "coachcare/css/export-print.css"


def html_to_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML  # imported lazily: it loads Pango at import time

    css_path = finders.find(PRINT_CSS)
    if not isinstance(css_path, str):
        raise FileNotFoundError(PRINT_CSS)
    pdf = HTML(string=html).write_pdf(stylesheets=[CSS(filename=css_path)])
    assert pdf is not None
    return bytes(pdf)
