"""The first bytes that tell the files a user hands the tool apart (one place for tomlio, xlsxio and arrowio).

No imports: ``calc`` reads it to refuse a spreadsheet given as a profile, without loading the readers.
"""

ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx (a zip file)
PARQUET_MAGIC = b"PAR1"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Compound File: .xls, WPS .et, or an encrypted .xlsx
