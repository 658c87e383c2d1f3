"""The document pipeline: accept files, combine them with a cover page into one PDF, render
the fax TIFF that is transmitted, convert received faxes, make previews and receipts.

Typical outbound use::

    docs = [accept_document(data, filename=name) for name, data in files]  # DocumentRejected
    combined = combine_documents(docs, cover=CoverPage(...))               # .page_count
    render_fax_tiff(combined.pdf, "fax.tiff", RenderOptions(header=FaxHeader(...)))
"""

from .accept import AcceptedDocument, accept_document, accept_file, read_limited
from .combine import CombinedDocument, combine_documents
from .cover import CoverPage, render_cover_pdf
from .errors import DocumentRejected, RejectionCode
from .faxspec import FAX_WIDTH, Compression, PaperSize, Resolution
from .fetched import accept_fetched
from .header import FaxHeader
from .inbound import InboundDocument, convert_inbound
from .limits import DocumentLimits
from .previews import PreviewSet, make_previews
from .receipt import ReceiptData, render_receipt_pdf
from .refit import refit_fax_tiff
from .render import (
    RenderOptions,
    RenderResult,
    encoded_page_sizes,
    iter_fax_pages,
    render_fax_tiff,
)
from .sniff import DocumentKind, sniff

__all__ = [
    "FAX_WIDTH",
    "AcceptedDocument",
    "CombinedDocument",
    "Compression",
    "CoverPage",
    "DocumentKind",
    "DocumentLimits",
    "DocumentRejected",
    "FaxHeader",
    "InboundDocument",
    "PaperSize",
    "PreviewSet",
    "ReceiptData",
    "RejectionCode",
    "RenderOptions",
    "RenderResult",
    "Resolution",
    "accept_document",
    "accept_fetched",
    "accept_file",
    "combine_documents",
    "convert_inbound",
    "encoded_page_sizes",
    "iter_fax_pages",
    "make_previews",
    "read_limited",
    "refit_fax_tiff",
    "render_cover_pdf",
    "render_fax_tiff",
    "render_receipt_pdf",
    "sniff",
]
