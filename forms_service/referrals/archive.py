"""The merged pack PDF as an archive copy (issue 24): PDF/A-3b, still tagged (PDF/UA-1), with the pack's
manifest embedded as an associated file.

pypdf's merge copies pages, not the catalogue: each part's structure tree, language, output intent and
XMP stay behind. `make_archival` writes them once for the whole file: one structure tree holding each of
our own parts' trees (their parent-tree keys renumbered), the sRGB output intent, XMP naming PDF/A-3b and
PDF/UA-1 with the same dates as the document information, and `manifest.json` (AFRelationship /Data).
Pure: bytes in, a PdfWriter changed in place.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from xml.sax.saxutils import escape as xml_escape

from PIL import ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, BooleanObject, ByteStringObject, DecodedStreamObject, DictionaryObject,
                           NameObject, NumberObject, TextStringObject)

MANIFEST_DESCRIPTION = "The pack's manifest: every file in the pack with its SHA-256"
PRINT_FLAG = 4  # an annotation's /F bit 3: PDF/A wants every annotation printed, none hidden


@functools.lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """An sRGB ICC profile (LittleCMS's, through Pillow): the colour space every page's RGB is read in."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _xmp_date(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def xmp(title: str, created: dt.datetime) -> bytes:
    """The XMP packet: PDF/A-3b and PDF/UA-1 identification, the title, and the dates and producer the
    document information also gives (PDF/A wants both to say the same)."""
    title, when = xml_escape(title, {'"': "&quot;"}), _xmp_date(created)
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="3" pdfaid:conformance="B"/>
<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreateDate="{when}" \
xmp:ModifyDate="{when}" xmp:MetadataDate="{when}" xmp:CreatorTool="forms-service"/>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" pdf:Producer="forms-service"/>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode("utf-8")


def merge_structure(writer: PdfWriter, parts: list[tuple[PdfReader, int]]) -> None:
    """One structure tree for the merged file from each tagged part's [(reader, its first page's index)].

    Called after the parts' pages were appended: cloning from the same reader maps its page references to
    the pages already copied. Each part's parent-tree keys (a page's /StructParents, an annotation's
    /StructParent) move up by the keys the parts before it used."""
    kids, nums, offset = ArrayObject(), [], 0
    role_map = DictionaryObject()
    root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    root_ref = writer._add_object(root)
    for reader, first in parts:
        tree = reader.trailer["/Root"].get("/StructTreeRoot")
        if tree is None:
            continue
        tree = tree.get_object()
        clone = tree.clone(writer).get_object()
        role_map.update(clone.get("/RoleMap", {}))
        elements = clone.get("/K")
        elements = elements if isinstance(elements, ArrayObject) else [elements] if elements is not None else []
        for element in elements:
            element.get_object()[NameObject("/P")] = root_ref
            kids.append(element)
        entries = _number_tree(clone.get("/ParentTree"))
        for key, value in entries:
            nums.append((key + offset, value))
        # pypdf's copy drops a page's /StructParents (and may drop an annotation's): set them from the part's.
        for original, page in zip(reader.pages, writer.pages[first:first + len(reader.pages)]):
            if "/StructParents" in original:
                page[NameObject("/StructParents")] = NumberObject(original["/StructParents"] + offset)
            ours, theirs = page.get("/Annots") or [], original.get("/Annots") or []
            for annot, source in zip(ours, theirs) if len(ours) == len(theirs) else ():
                if "/StructParent" in source.get_object():
                    annot.get_object()[NameObject("/StructParent")] = NumberObject(
                        source.get_object()["/StructParent"] + offset)
        offset += max((key for key, _ in entries), default=-1) + 1
    parent_tree = DictionaryObject({NameObject("/Nums"): ArrayObject(
        [item for key, value in sorted(nums, key=lambda kv: kv[0]) for item in (NumberObject(key), value)])})
    root.update({NameObject("/K"): kids, NameObject("/ParentTree"): writer._add_object(parent_tree),
                 NameObject("/ParentTreeNextKey"): NumberObject(offset)})
    if role_map:
        root[NameObject("/RoleMap")] = role_map
    writer._root_object[NameObject("/StructTreeRoot")] = root_ref
    writer._root_object[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})


def _number_tree(node) -> list[tuple[int, object]]:
    """A number tree's (key, value) pairs, leaves and kids alike."""
    if node is None:
        return []
    node = node.get_object()
    out = []
    nums = node.get("/Nums") or []
    out.extend((int(nums[i]), nums[i + 1]) for i in range(0, len(nums) - 1, 2))
    for kid in node.get("/Kids") or []:
        out.extend(_number_tree(kid))
    return out


def make_archival(writer: PdfWriter, *, title: str, lang: str, created: dt.datetime, manifest: bytes) -> None:
    """The catalogue entries of a PDF/A-3b, PDF/UA-1 file, and the manifest as its associated file."""
    catalog = writer._root_object
    metadata = DecodedStreamObject()
    metadata.set_data(xmp(title, created))
    metadata.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    catalog[NameObject("/Metadata")] = writer._add_object(metadata)
    profile = DecodedStreamObject()
    profile.set_data(srgb_profile())
    profile[NameObject("/N")] = NumberObject(3)
    catalog[NameObject("/OutputIntents")] = ArrayObject([DictionaryObject({
        NameObject("/Type"): NameObject("/OutputIntent"), NameObject("/S"): NameObject("/GTS_PDFA1"),
        NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB"),
        NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
        NameObject("/DestOutputProfile"): writer._add_object(profile)})])
    catalog[NameObject("/Lang")] = TextStringObject(lang)
    catalog[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)})
    for page in writer.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            annot[NameObject("/F")] = NumberObject(PRINT_FLAG)
    attachment = writer.add_attachment("manifest.json", manifest)
    attachment.subtype = NameObject("/application#2Fjson")
    attachment.description = TextStringObject(MANIFEST_DESCRIPTION)
    attachment.associated_file_relationship = NameObject("/Data")
    attachment.size = NumberObject(len(manifest))
    # The embedded file's /CheckSum is its MD5 (PDF 32000-1, 7.11.4).
    attachment.checksum = ByteStringObject(hashlib.md5(manifest).digest())
    attachment.modification_date = created.astimezone(dt.timezone.utc)  # one moment, one byte string
    spec = attachment.pdf_object
    spec[NameObject("/UF")] = TextStringObject("manifest.json")
    spec["/EF"][NameObject("/UF")] = spec["/EF"].raw_get("/F")  # the same stream, by reference
    catalog[NameObject("/AF")] = ArrayObject([spec.indirect_reference])
