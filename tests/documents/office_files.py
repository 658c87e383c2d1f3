"""Office documents made by the tests themselves: minimal, valid ODF and OOXML packages
written with zipfile, so no binary blob is checked in (DOC, XLS, PPTX and the like are made
from these by LibreOffice, in tests/documents/conftest.py)."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape, quoteattr

_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2"'
)
_ODF_TYPES = {
    "text": "application/vnd.oasis.opendocument.text",
    "spreadsheet": "application/vnd.oasis.opendocument.spreadsheet",
    "presentation": "application/vnd.oasis.opendocument.presentation",
}


def _odf(kind: str, body: str, *, scripts: str = "", extra: dict[str, str] | None = None) -> bytes:
    media = _ODF_TYPES[kind]
    files = {"content.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}>'
        f"{scripts}<office:body><office:{kind}>{body}</office:{kind}></office:body>"
        "</office:document-content>"
    )}  # fmt: skip
    files.update(extra or {})
    entries = "".join(
        f'<manifest:file-entry manifest:full-path="{name}" manifest:media-type="text/xml"/>'
        for name in files
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        f'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        f'manifest:media-type="{media}"/>{entries}</manifest:manifest>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(zipfile.ZipInfo("mimetype"), media, compress_type=zipfile.ZIP_STORED)
        for name, text in files.items():
            package.writestr(name, text)
        package.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


def odt(*paragraphs: str, image_url: str = "", page_breaks: bool = False) -> bytes:
    """A text document; ``image_url`` links (not embeds) an image; ``page_breaks`` puts each
    paragraph on its own page."""
    styles = ""
    if page_breaks:
        styles = (
            '<office:automatic-styles><style:style xmlns:style="urn:oasis:names:tc:'
            'opendocument:xmlns:style:1.0" style:name="P1" style:family="paragraph">'
            '<style:paragraph-properties xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:'
            'xsl-fo-compatible:1.0" fo:break-before="page"/></style:style>'
            "</office:automatic-styles>"
        )
    style = ' text:style-name="P1"' if page_breaks else ""
    body = "".join(f"<text:p{style}>{escape(p)}</text:p>" for p in paragraphs)
    if image_url:
        body += (
            '<text:p><draw:frame draw:name="logo" text:anchor-type="as-char" svg:width="4cm" '
            f'svg:height="4cm"><draw:image xlink:href={quoteattr(image_url)} '
            'xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p>'
        )
    return _odf("text", body, scripts=styles)


def macro_odt(marker_path: str) -> bytes:
    """A text document whose Basic macro, bound to the document's load event, writes
    ``marker_path``: the file appears only if a macro ran."""
    listener = (
        "<office:scripts><office:event-listeners><script:event-listener "
        'script:language="ooo:script" script:event-name="dom:load" '
        'xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic&amp;'
        'location=document" xlink:type="simple"/></office:event-listeners></office:scripts>'
    )
    module = (
        '<?xml version="1.0" encoding="UTF-8"?><script:module '
        'xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
        'script:language="StarBasic">Sub Main\n  Open "'
        + escape(marker_path)
        + '" For Output As #1\n  Print #1, "macro ran"\n  Close #1\nEnd Sub\n</script:module>'
    )
    library = (
        '<?xml version="1.0" encoding="UTF-8"?><library:library '
        'xmlns:library="http://openoffice.org/2000/library" library:name="Standard" '
        'library:readonly="false" library:passwordprotected="false">'
        '<library:element library:name="Module1"/></library:library>'
    )
    libraries = (
        '<?xml version="1.0" encoding="UTF-8"?><library:libraries '
        'xmlns:library="http://openoffice.org/2000/library" '
        'xmlns:xlink="http://www.w3.org/1999/xlink"><library:library library:name="Standard" '
        'library:link="false"/></library:libraries>'
    )
    return _odf(
        "text",
        "<text:p>A document with a macro</text:p>",
        scripts=listener,
        extra={
            "Basic/script-lc.xml": libraries,
            "Basic/Standard/script-lb.xml": library,
            "Basic/Standard/Module1.xml": module,
        },
    )


def ods(rows: list[list[str | float]]) -> bytes:
    def cell(value: str | float) -> str:
        if isinstance(value, (int, float)):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        return f"<table:table-cell><text:p>{escape(value)}</text:p></table:table-cell>"

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows
    )
    return _odf("spreadsheet", f'<table:table table:name="Sheet1">{body}</table:table>')


def odp(*titles: str) -> bytes:
    pages = "".join(
        f'<draw:page draw:name="page{n}"><draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" '
        f'svg:height="3cm"><draw:text-box><text:p>{escape(title)}</text:p></draw:text-box>'
        "</draw:frame></draw:page>"
        for n, title in enumerate(titles, start=1)
    )
    return _odf("presentation", pages)


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"


def _ooxml(main_part: str, main_type: str, parts: dict[str, str]) -> bytes:
    overrides = "".join(
        f'<Override PartName="/{name}" ContentType="{kind}"/>'
        for name, kind in [(main_part, main_type)]
    )
    types = (
        f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_CT}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f"{overrides}</Types>"
    )
    rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_RELS}">'
        f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="{main_part}"/>'
        "</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", types)
        package.writestr("_rels/.rels", rels)
        for name, text in parts.items():
            package.writestr(name, text)
    return out.getvalue()


def docx(*paragraphs: str, image_url: str = "") -> bytes:
    """A Word document; ``image_url`` links (TargetMode External) an image."""
    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    parts = {}
    if image_url:
        body += (
            '<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/'
            'drawingml/2006/wordprocessingDrawing"><wp:extent cx="1440000" cy="1440000"/>'
            '<wp:docPr id="1" name="logo"/><a:graphic xmlns:a="http://schemas.openxmlformats.org/'
            'drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/'
            'drawingml/2006/picture"><pic:pic xmlns:pic="http://schemas.openxmlformats.org/'
            'drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="1" name="logo"/><pic:cNvPicPr/>'
            f'</pic:nvPicPr><pic:blipFill><a:blip r:link="rId9" xmlns:r="{_R}"/><a:stretch>'
            '<a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/>'
            '<a:ext cx="1440000" cy="1440000"/></a:xfrm><a:prstGeom prst="rect"/></pic:spPr>'
            "</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
        )
        parts["word/_rels/document.xml.rels"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_RELS}">'
            f'<Relationship Id="rId9" Type="{_R}/image" Target={quoteattr(image_url)} '
            'TargetMode="External"/></Relationships>'
        )
    parts["word/document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}" xmlns:r="{_R}">'
        f"<w:body>{body}</w:body></w:document>"
    )
    return _ooxml(
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        parts,
    )


def xlsx(rows: list[list[str | float]]) -> bytes:
    s = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def cell(value: str | float) -> str:
        if isinstance(value, (int, float)):
            return f"<c><v>{value}</v></c>"
        return f'<c t="inlineStr"><is><t>{escape(value)}</t></is></c>'

    data = "".join("<row>" + "".join(cell(v) for v in row) + "</row>" for row in rows)
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{s}" xmlns:r="{_R}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_RELS}">'
        f'<Relationship Id="rId1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    )
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{s}">'
        f"<sheetData>{data}</sheetData></worksheet>"
    )
    return _ooxml(
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        {
            "xl/workbook.xml": workbook,
            "xl/_rels/workbook.xml.rels": workbook_rels,
            "xl/worksheets/sheet1.xml": sheet,
        },
    )


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in files.items():
            package.writestr(name, data)
    return out.getvalue()


# --- OLE2 compound files (the container of Office 97-2003 files and of encrypted OOXML) ------

_FREE, _END, _FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal, valid compound file (version 3, 512-byte sectors) holding ``streams`` at
    its root. Every stream is padded to 4 KiB so none goes to the mini stream."""
    import struct

    sector = 512
    data = {name: body.ljust(4096, b"\0") for name, body in streams.items()}
    entries = 1 + len(data)
    dir_sectors = -(-entries // 4)
    chains, next_sector = [], 1 + dir_sectors  # sector 0: the FAT; then the directory
    for body in data.values():
        count = len(body) // sector + (len(body) % sector > 0)
        chains.append((next_sector, count))
        next_sector += count
    assert next_sector <= sector // 4, "too big for one FAT sector"
    fat = [_FREE] * (sector // 4)
    fat[0] = _FAT_SECTOR
    for n in range(dir_sectors):
        fat[1 + n] = 2 + n if n + 1 < dir_sectors else _END
    for start, count in chains:
        for n in range(count):
            fat[start + n] = start + n + 1 if n + 1 < count else _END

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, _FREE, right, child)
            + b"\0" * 16 + b"\0" * 4 + b"\0" * 16  # CLSID, state bits, times
            + struct.pack("<IQ", start, size)
        )  # fmt: skip

    names = list(data)
    directory = entry("Root Entry", 5, 1 if names else _FREE, _FREE, _END, 0)
    for index, name in enumerate(names, start=1):
        right = index + 1 if index < len(names) else _FREE
        directory += entry(name, 2, _FREE, right, chains[index - 1][0], len(data[name]))
    directory = directory.ljust(dir_sectors * sector, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<109I", 0, *([_FREE] * 108))
    )  # fmt: skip
    body = b"".join(data.values())
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + body


def encrypted_ooxml() -> bytes:
    """What Word writes for a password-protected DOCX: an OLE file with the encrypted package."""
    return compound_file(
        {"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": b"\x01" * 64}
    )


def outlook_message() -> bytes:
    return compound_file(
        {"__substg1.0_0037001F": "Subject".encode("utf-16-le"), "__properties_version1.0": b""}
    )


def word97(*, encrypted: bool) -> bytes:
    """A compound file with a WordDocument stream whose FIB says (or not) it is encrypted."""
    flags = 0x0100 if encrypted else 0
    fib = b"\xec\xa5" + b"\xc1\x00" + b"\0\0" + b"\x09\x04" + b"\0\0" + flags.to_bytes(2, "little")
    return compound_file({"WordDocument": fib, "1Table": b""})


def count_conversions(monkeypatch) -> list[str]:
    """Record each conversion LibreOffice actually runs (its kind), from now on."""
    from faxes.documents import office

    runs: list[str] = []
    real = office.run_soffice

    def counting(binary, data, kind, **kwargs):
        runs.append(kind.value)
        return real(binary, data, kind, **kwargs)

    monkeypatch.setattr(office, "run_soffice", counting)
    return runs
