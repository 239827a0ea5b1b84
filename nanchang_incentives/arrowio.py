"""Parquet and Arrow in and out for ``incentives batch`` and ``api.evaluate_arrow``.

Reading: a Parquet file (or any Arrow RecordBatch) is read by column
batches, and every column becomes the text cells a CSV of the same data
holds, which then go through the very same field parsers as a CSV block
(``batch_table.build_chunk``): a register in Parquet and its CSV export give
the same results and the same messages.  The cells are built without a
Python loop per value: an Arrow string column already *is* a buffer of
UTF-8 bytes with offsets, which is what ``csvio.Cells`` holds.

* string columns are the cells;
* decimal columns are their exact decimal text (``decimal128(18, 2)``
  ``1234.50`` -> ``1234.5``; trailing zeros dropped, so ``decimal(20, 6)``
  works as long as the value itself has at most 4 decimals);
* integer columns are their digits, booleans ``true``/``false``, dates and
  timestamps in the ``year`` column their year;
* a float column is accepted value by value: each distinct value is turned
  into the decimal text it was typed as by its shortest round trip
  (``repr``, then ``Decimal``: never float arithmetic), and a value with more
  than 4 decimals (``0.1 + 0.2``) makes its row a bad row;
* list columns (tags, amount lists) are their items joined with ``;``.

Writing: the wide and long layouts with the same columns as the CSV
(``batch_output.Output.header_columns``), amounts as exact
``decimal128(18, 2)`` (the integer fen are the unscaled values: no
conversion at all), statuses, policies, cap states and explanations as
dictionary-encoded strings, streamed in row groups so memory stays flat.

pyarrow is an optional extra (``pip install 'nanchang-incentives[parquet]'``)
imported only here, and only when Parquet or Arrow is used.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import csvio
from . import fields as F
from .errors import InputError, Location
from .filekinds import PARQUET_MAGIC

if TYPE_CHECKING:
    import pyarrow as pa

    from .batch_output import Evaluated, Output
    from .batch_table import Chunk, Header

INSTALL_HINT = "pip install 'nanchang-incentives[parquet]' (from a checkout: pip install '.[parquet]')"
PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")
ROWS_PER_BATCH = 10_000  # input rows read and evaluated at a time
ROW_GROUP_ROWS = 16_384  # output rows per Parquet row group (a block or two: bounds the memory the writer holds)
AMOUNT_TYPE_TEXT = "decimal128(18, 2)"
PANDAS_INDEX = "__index_level_"  # pandas writes its index as such a column: not a profile field, left out


def pyarrow(what: str, location: Location | None = None) -> Any:
    """The pyarrow module, or a one-line message saying how to install it."""
    try:
        import pyarrow as pa
        import pyarrow.compute  # pa.compute, used through the module
        import pyarrow.parquet
    except ImportError:  # pragma: no cover - depends on the install
        raise InputError(f"{what} needs pyarrow: {INSTALL_HINT}", location or Location()) from None
    return pa


def is_parquet(path: Path) -> bool:
    """A Parquet file by its first bytes, else by its suffix (``csvio.is_kind``)."""
    return csvio.is_kind(path, PARQUET_SUFFIXES, PARQUET_MAGIC)


def amount_type() -> pa.DataType:
    return pyarrow("Arrow output").decimal128(18, 2)


# ---------------------------------------------------------------- reading


class ParquetSource:
    """A Parquet file: its columns (the header) and then chunks of cells, one row batch at a time."""

    def __init__(self, path: Path):
        pa = pyarrow("reading Parquet", Location(file=str(path)))
        self.path = path
        try:
            # pre_buffer=False: with pyarrow's default, the first batch read every row group's column chunks
            # ahead, so memory grew with the file (548 MB for 2M rows); read so, it holds one row group's
            self.file = pa.parquet.ParquetFile(path, pre_buffer=False)
            schema = self.file.schema_arrow
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise InputError(f"not a readable Parquet file ({exc}); write it with pyarrow, DuckDB, Spark or pandas "
                             f"(to_parquet), or give a CSV", Location(file=str(path))) from None
        self.columns = [n for n in schema.names if not n.startswith(PANDAS_INDEX)]
        self.names = [n.strip() for n in self.columns]
        self.schema = schema

    def estimated_rows(self) -> int:
        return int(self.file.metadata.num_rows)

    def filled_rows(self) -> int:
        """The rows (exactly, from the file's metadata)."""
        return self.estimated_rows()

    def check_types(self, header: Header) -> None:
        for name, spec in zip(self.columns, header.fields):
            check_type(self.schema.field(name).type, spec, name, str(self.path))

    def chunks(self, header: Header, size: int | None = None) -> Iterator[csvio.Cells]:
        """The data rows as ``csvio.Cells``, ``size`` rows at a time (row 1 is the first data row)."""
        size = size or ROWS_PER_BATCH
        self.check_types(header)
        pa = pyarrow("reading Parquet")
        first = 0
        try:
            for batch in self.file.iter_batches(batch_size=size, columns=self.columns, use_pandas_metadata=False):
                yield batch_cells(batch, header, first, self.columns)
                first += batch.num_rows
        except (pa.ArrowException, OSError) as exc:  # (a corrupt page is an OSError: not the output's failure)
            raise InputError(f"cannot read the Parquet file after row {first:,} ({exc})",
                             Location(file=str(self.path))) from None

    def close(self) -> None:
        self.file.close()


def _is_view(t: pa.DataType, pa: Any, *kinds: str) -> bool:
    """Whether ``t`` is one of Arrow's view types (``string_view``, ``list_view`` …; pyarrow >= 16 has them)."""
    return any(getattr(pa.types, f"is_{k}", lambda _t: False)(t) for k in kinds)


def _is_list(t: pa.DataType, pa: Any) -> bool:
    return pa.types.is_list(t) or pa.types.is_large_list(t) or _is_view(t, pa, "list_view", "large_list_view")


def read_type(t: pa.DataType, pa: Any) -> pa.DataType:
    """The type a column is read as: a dictionary as its values, a large or view string as ``string``, any list
    (large, view, of a dictionary) as ``list<…>`` of its items read so, a half float as float64 (exact); what
    Polars, DuckDB and pandas write (``large_string``, categoricals, ``list<large_string>``) reads as the rest."""
    types = pa.types
    if types.is_dictionary(t):
        t = t.value_type
    if _is_list(t, pa):
        return pa.list_(read_type(t.value_type, pa))
    if types.is_large_string(t) or _is_view(t, pa, "string_view"):
        return pa.string()
    if types.is_floating(t) and t.bit_width == 16:
        return pa.float64()
    return t


def _as_read(arr: pa.Array, pa: Any) -> pa.Array:
    """``arr`` cast to its ``read_type`` (a list view, which pyarrow's cast gets wrong, through Python)."""
    target = read_type(arr.type, pa)
    if target == arr.type:
        return arr
    if _is_view(arr.type, pa, "list_view", "large_list_view"):
        return pa.array(arr.to_pylist(), target)
    return arr.cast(target)


def check_type(t: pa.DataType, spec: F.Field, name: str, where: str) -> None:
    """Refuse, before any row is read, a column whose Arrow type cannot hold the field's values."""
    if spec.type == F.IGNORED:  # a bookkeeping column (序号, 备注): never read
        return
    pa = pyarrow("reading Arrow")
    types = pa.types
    if types.is_dictionary(t):
        t = t.value_type
    if _is_list(t, pa):
        if spec.type not in (F.MONEY_LIST, F.TAGS):
            raise InputError(f"the column is a list ({t}); {spec.name} holds one {spec.type} value, not a list",
                             Location(file=where, field=name))
        t = t.value_type
        if types.is_dictionary(t):
            t = t.value_type
    if _is_view(t, pa, "string_view"):
        t = pa.string()
    ok = (types.is_string(t) or types.is_large_string(t) or types.is_null(t) or types.is_integer(t)
          or types.is_decimal(t) or types.is_floating(t) or types.is_boolean(t)
          or ((types.is_date(t) or types.is_timestamp(t)) and spec.type in (F.YEAR, F.TEXT)))
    if not ok:
        raise InputError(f"the column has the type {t}, which cannot hold {spec.name} ({spec.type}); use a string, "
                         f"integer or decimal column", Location(file=where, field=name))
    if types.is_floating(t) and t.bit_width < 64 and spec.type in (F.MONEY, F.MONEY_LIST, F.RATE):
        # a float32 holds about 7 significant digits: 3176843.26 is stored as 3176843.25, and would be read so
        raise InputError(f"the column is float{t.bit_width} (single or half precision), which holds only about {7 if t.bit_width == 32 else 3} significant "
                         f"digits: an amount such as 3176843.26 is stored in it as 3176843.25, and the fen are lost "
                         f"before anything reads the file; write {spec.name} as decimal(18, 2), float64 (double) "
                         f"or text", Location(file=where, field=name))


def _plain_text(arr: pa.Array, pa: Any) -> pa.Array:
    """A non-float column as the text of its values (null stays null)."""
    pc = pa.compute
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.dictionary_decode()
        t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return arr
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.string())
    if pa.types.is_boolean(t):
        return pc.if_else(arr, "true", "false")
    if pa.types.is_decimal(t):
        text = pc.cast(arr, pa.string())
        if t.scale > 0:  # 1234.5000 -> 1234.5, 12.00 -> 12: the value, not the column's scale
            text = pc.replace_substring_regex(text, r"(\.[0-9]*[1-9])0+$", r"\1")
            text = pc.replace_substring_regex(text, r"\.0+$", "")
        return text
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return pc.cast(arr, pa.string())
    return pc.cast(arr, pa.string())  # integers


def _float_text(arr: pa.Array, pa: Any, decimals: int = 4) -> tuple[pa.Array, np.ndarray]:
    """A float column as decimal text, and the rows whose value has more than ``decimals`` decimals (4: money is
    exact to 1/10000 yuan; more under a heading that names the unit, 8 under 万元) or is not finite.

    Each distinct value is written by its shortest round trip (``repr``) read
    as a ``Decimal``: 1234.56 stays 1234.56, 0.1 + 0.2 is 0.30000000000000004.
    """
    from .xlsxio import number_text

    pc = pa.compute
    uniq = pc.unique(arr.drop_null()) if arr.null_count else pc.unique(arr)
    values = uniq.to_pylist()
    texts: list[str] = []
    bad_u = np.zeros(len(values), dtype=bool)
    for k, v in enumerate(values):
        try:
            d = Decimal(repr(v))
        except InvalidOperation:  # pragma: no cover - repr of a float is always a decimal
            d = Decimal("NaN")
        if not d.is_finite():
            texts.append(repr(v))
            bad_u[k] = True
            continue
        exponent = d.normalize().as_tuple().exponent
        bad_u[k] = isinstance(exponent, int) and exponent < -decimals
        texts.append(number_text(v))
    idx = pc.index_in(arr, value_set=uniq)
    text = pc.take(pa.array(texts, pa.string()), idx)
    codes = idx.fill_null(-1).to_numpy(zero_copy_only=False)
    bad = np.zeros(len(arr), dtype=bool)
    if bad_u.any():
        bad = (codes >= 0) & bad_u[np.maximum(codes, 0)]
    return text, bad


FLOAT_MESSAGE = ("the value is a binary float with more than 4 decimals (a result of floating-point arithmetic?); "
                 "amounts are exact to 1/10000 yuan: store the column as decimal(18, 2) or round it to the fen")
NOT_FINITE_MESSAGE = "the value is not a number (NaN or infinity); leave the cell empty (null) when it is unknown"


def column_text(arr: pa.Array, spec: F.Field, pa: Any, decimals: int = 4) -> tuple[pa.Array, np.ndarray]:
    """One column as the cell texts of a CSV export of it, and its rows with an inexact float (more than
    ``decimals`` decimals)."""
    pc = pa.compute
    arr = _as_read(arr, pa)
    t = arr.type
    if pa.types.is_list(t):
        raw = arr.offsets.to_numpy(zero_copy_only=False)
        # the items the offsets span, those behind a null list too (flatten() leaves them out, and the offsets
        # then point past its end)
        items = arr.values.slice(int(raw[0]), int(raw[-1] - raw[0]))
        if pa.types.is_floating(items.type):
            text, bad_items = _float_text(items, pa, decimals)
        else:
            text, bad_items = _plain_text(items, pa), np.zeros(len(items), dtype=bool)
        offsets = raw - raw[0]
        lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pc.fill_null(text, ""), mask=arr.is_null())
        joined = pc.binary_join(lists, ";")
        # an empty list is ";" (no items), as a CSV cell: an empty cell is missing input
        joined = pc.if_else(pc.and_(pc.is_valid(arr), pc.equal(pc.list_value_length(arr), 0)), ";", joined)
        bad = np.zeros(len(arr), dtype=bool)
        if bad_items.any():
            owner = np.repeat(np.arange(len(arr)), np.diff(offsets))
            bad[owner[bad_items]] = True
            bad &= arr.is_valid().to_numpy(zero_copy_only=False)  # (the items of a null list are not read)
        return joined, bad
    if pa.types.is_floating(t):
        return _float_text(arr, pa, decimals)
    if (pa.types.is_date(t) or pa.types.is_timestamp(t)) and spec.type == F.YEAR:
        return pc.cast(pc.year(arr), pa.string()), np.zeros(len(arr), dtype=bool)
    return _plain_text(arr, pa), np.zeros(len(arr), dtype=bool)


def _string_buffers(text: pa.Array, pa: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(UTF-8 bytes, starts, lengths) of a string array whose nulls are empty."""
    text = text.fill_null("") if text.null_count else text
    off_type: type = np.int64 if pa.types.is_large_string(text.type) else np.int32
    n = len(text)
    bufs = text.buffers()
    offsets = np.frombuffer(bufs[1], dtype=off_type)[text.offset:text.offset + n + 1].astype(np.int64) \
        if bufs[1] is not None else np.zeros(n + 1, np.int64)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None and n else np.zeros(0, np.uint8)
    lo, hi = (int(offsets[0]), int(offsets[-1])) if n else (0, 0)
    return data[lo:hi], offsets[:-1] - lo, np.diff(offsets)


def batch_cells(batch: pa.RecordBatch | pa.Table, header: Header, first_row: int,
                columns: Sequence[str] | None = None) -> csvio.Cells:
    """A record batch as the cells a CSV of it holds (rows ``first_row + 1`` …); inexact floats, NUL bytes and
    blank rows handled as a CSV's are (bad rows; skipped)."""
    pa = pyarrow("reading Arrow")
    if isinstance(batch, pa.Table):
        batch = batch.combine_chunks().to_batches()[0] if batch.num_rows else pa.RecordBatch.from_pylist(
            [], schema=batch.schema)
    n = batch.num_rows
    k = len(header.names)
    columns = list(columns) if columns is not None else list(header.names)
    start = np.zeros((n, k), dtype=np.int64, order="F")
    length = np.zeros((n, k), dtype=np.int64, order="F")
    bufs: list[np.ndarray] = []
    base = 0
    inexact: dict[int, list[int]] = {}  # row index -> its columns with an inexact float (or NaN)
    texts: list[Any] = []  # pyarrow arrays
    from .xlsxio import UNIT_DECIMALS

    for j, (name, spec) in enumerate(zip(columns, header.fields)):
        if spec.type == F.IGNORED:  # a bookkeeping column (序号, 备注): empty cells, never read
            continue
        unit = header.units[j] if j < len(header.units) else ""
        text, bad = column_text(batch.column(name), spec, pa, 4 + UNIT_DECIMALS.get(unit, 0))
        texts.append(text)
        for i in np.flatnonzero(bad).tolist():
            inexact.setdefault(i, []).append(j)
        data, s, ln = _string_buffers(text, pa)
        start[:, j] = s + base
        length[:, j] = ln
        bufs.append(data)
        base += len(data)
    buf = np.concatenate(bufs) if bufs and base else np.zeros(1, np.uint8)
    rows = np.arange(first_row + 1, first_row + n + 1, dtype=np.int64)
    cells = csvio.Cells(buf, start, length, rows, [], rows + 1, 0)
    problems: list[csvio.RowProblem] = []
    drop = np.zeros(n, dtype=bool)
    name_j = header.index("name")

    def name_of(i: int) -> str:
        return csvio._clip(cells.text(i, name_j).strip(), 60) if name_j is not None else ""

    # an inexact float or NaN is reported here and its cell left empty: the row's other cells are parsed for
    # their problems (all at once), and the row is never evaluated (csvio.Cells.refused)
    refused = np.zeros((n, k), dtype=bool) if inexact else None
    for i, cols in sorted(inexact.items()):
        for j in cols:
            value = cells.text(i, j)
            message = NOT_FINITE_MESSAGE if value.lower() in ("nan", "inf", "-inf") else FLOAT_MESSAGE
            problems.append(csvio.RowProblem(int(rows[i]), header.names[j], csvio._clip(value), message,
                                             int(rows[i]) + 1, name_of(i)))
        assert refused is not None
        refused[i, cols] = True
    if refused is not None:
        length[refused] = 0
        cells.refused = refused
    if base and (buf == 0).any():  # a NUL byte would be taken for padding by the output: as in a CSV, refused
        nul = np.flatnonzero(buf == 0)
        for i in range(n):
            if drop[i]:
                continue
            for j in range(k):
                at, size = int(start[i, j]), int(length[i, j])
                if size and np.searchsorted(nul, at) < np.searchsorted(nul, at + size):
                    problems.append(csvio.RowProblem(int(rows[i]), header.names[j], csvio._clip(
                        cells.text(i, j).replace("\0", "\\0")), "the cell contains a NUL byte (\\0); remove it",
                        int(rows[i]) + 1, name_of(i).replace("\0", "")))
                    drop[i] = True
                    break
    empty = csvio.empty_rows(cells, header.counted)
    if refused is not None:  # a row whose only value was refused is a bad row, not a blank one
        empty &= ~refused.any(axis=1)
    blank = int((empty & ~drop).sum())
    keep = ~drop & ~empty
    problems.sort(key=lambda p: p.row)
    cells.problems = problems
    if keep.all():
        return cells
    return csvio.keep_rows(cells, keep, blank)


# ---------------------------------------------------------------- writing


def _decimal(pa: Any, fen: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Fen as ``decimal128(18, 2)``: the fen are the unscaled values (little-endian 128-bit integers)."""
    n = len(fen)
    words = np.empty((n, 2), dtype=np.int64)
    words[:, 0] = fen
    words[:, 1] = fen >> 63  # the sign extension (amounts are never negative)
    return pa.Array.from_buffers(pa.decimal128(18, 2), n, [_validity(pa, valid), pa.py_buffer(words)],
                                 null_count=-1 if valid is not None else 0)


def _validity(pa: Any, valid: np.ndarray | None) -> pa.Buffer | None:
    if valid is None or valid.all():
        return None
    return pa.py_buffer(np.packbits(valid, bitorder="little"))


def _dictionary(pa: Any, codes: np.ndarray, words: Sequence[str], valid: np.ndarray | None = None,
                dictionary: bool = True) -> pa.Array:
    """Codes into ``words`` as a dictionary-encoded string column (or, ``dictionary=False``, plain strings)."""
    index_type = pa.int8() if len(words) < 128 else pa.int32()
    np_type = np.int8 if len(words) < 128 else np.int32
    idx = pa.Array.from_buffers(index_type, len(codes), [_validity(pa, valid),
                                                        pa.py_buffer(codes.astype(np_type))],
                                null_count=-1 if valid is not None and not valid.all() else 0)
    arr = pa.DictionaryArray.from_arrays(idx, pa.array(list(words), pa.string()))
    return arr if dictionary else arr.dictionary_decode()


def _names(pa: Any, names: np.ndarray) -> pa.Array:
    """Company names (stripped UTF-8 bytes, ``b""`` when missing) as a string column, null when missing."""
    n = len(names)
    if n == 0:
        return pa.array([], pa.string())
    m = names.view(np.uint8).reshape(n, -1)
    lengths = np.where(m.any(axis=1), m.shape[1] - np.argmax(m[:, ::-1] != 0, axis=1), 0)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    inside = np.arange(m.shape[1])[None, :] < lengths[:, None]
    data = m[inside]
    valid = lengths > 0
    return pa.Array.from_buffers(pa.string(), n, [_validity(pa, valid), pa.py_buffer(offsets), pa.py_buffer(data)],
                                 null_count=-1 if not valid.all() else 0)


def _int(pa: Any, values: np.ndarray, t: pa.DataType) -> pa.Array:
    return pa.array(np.ascontiguousarray(values), t)


def result_schema(output: Output, *, dictionary: bool = True, extra: Sequence[pa.Field] = ()) -> pa.Schema:
    """The Arrow schema of the results (the columns of ``Output.header_columns``, typed)."""
    pa = pyarrow("Arrow output")
    word = pa.dictionary(pa.int8(), pa.string()) if dictionary else pa.string()
    long_word = pa.dictionary(pa.int32(), pa.string()) if dictionary else pa.string()
    money = pa.decimal128(18, 2)
    types = {"row": pa.int64(), "name": pa.string(), "warnings": pa.string(), "policy": word, "year": pa.int32(), "total": money,
             "total_exact": money, "total_up_to": money, "company_cap": word, "validity": word, "hypothetical": pa.bool_(),
             "clause": long_word, "status": word, "basis": word, "raw_amount": money, "amount": money,
             "explanation": long_word}
    fields = []
    for c in output.header_columns():
        if c in types and not (output.layout == "wide" and c in output.clause_col):
            fields.append(pa.field(c, types[c]))
        elif c.endswith("_status"):
            fields.append(pa.field(c, word))
        else:
            fields.append(pa.field(c, money))
    return pa.schema([*fields, *extra])


def wide_batch(output: Output, chunk: Chunk, evaluated: Sequence[Evaluated], *, dictionary: bool = True,
               warnings: Sequence[str] | None = None) -> tuple[pa.RecordBatch, np.ndarray]:
    """The wide layout of a chunk as a record batch, and each output row's chunk row (for kept columns)."""
    from .batch_output import CAP_STATE_NAMES, VALIDITY_NAMES, validity_codes
    from .engine import STATUS_NAMES

    pa = pyarrow("Arrow output")
    schema = result_schema(output, dictionary=dictionary)
    if not evaluated:
        return pa.RecordBatch.from_pylist([], schema=schema), np.zeros(0, np.int64)
    crow, positions = output._order(evaluated)
    m = len(crow)
    # one policy for every line, in its own order: its columns go out as they are
    whole = len(evaluated) == 1 and bool((positions[0] == np.arange(m)).all())
    totals = np.zeros((m, 3), dtype=np.int64)
    exact_max = np.zeros(m, dtype=np.int64)  # SPEC 9.2; null where it equals total_exact
    policy = np.zeros(m, dtype=np.int64)
    year = np.zeros(m, dtype=np.int64)
    cap = np.zeros(m, dtype=np.int64)
    covered = np.zeros(m, dtype=bool)
    validity = np.zeros(m, dtype=np.int64)
    owners: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}  # output clause -> (lines, amounts, st)
    for ev, pos in zip(evaluated, positions):
        basis = np.array([c.basis for c in ev.policy.clauses])
        a = ev.amounts
        if whole:
            pos = np.arange(m)
        totals[pos] = np.stack([a.sum(axis=1), a[:, basis == "exact"].sum(axis=1),
                                a[:, basis == "up_to"].sum(axis=1)], axis=1)
        exact_max[pos] = ev.exact_max if ev.exact_max is not None else totals[pos, 1]
        policy[pos] = output.policy_index[ev.policy.id]
        year[pos] = ev.years
        cap[pos] = ev.cap_state
        covered[pos] = ev.covered
        validity[pos] = validity_codes(ev.policy, ev.years, ev.covered)
        for k, c in enumerate(ev.policy.clauses):
            owners.setdefault(output.clause_col[c.id], []).append((pos, a[:, k], ev.status[:, k]))
    from .batch_table import chunk_checks

    if warnings is None:
        warnings = chunk_checks(chunk, output.catalog.registry).codes()
    from .batch_output import warning_cells

    warn, cells = warning_cells(list(warnings), evaluated, crow, positions)  # per output line
    arrays: list[Any] = [  # pyarrow arrays
        _int(pa, chunk.rows[crow], pa.int64()), _names(pa, chunk.names[crow]),
        pa.array(np.array(cells, dtype=object)[warn].tolist() if len(crow) else [], pa.string()),
        _dictionary(pa, policy, [p.id for p in output.policies], dictionary=dictionary),
        _int(pa, year, pa.int32()),
        _decimal(pa, totals[:, 0]), _decimal(pa, totals[:, 1]), _decimal(pa, totals[:, 2]),
        _decimal(pa, np.ascontiguousarray(exact_max), exact_max != totals[:, 1]),
        _dictionary(pa, cap, CAP_STATE_NAMES, dictionary=dictionary),
        _dictionary(pa, validity, VALIDITY_NAMES, dictionary=dictionary),
    ]
    if output.hypothetical_col:
        arrays.append(pa.array(~covered, pa.bool_()))
    for col in range(len(output.clause_ids)):
        parts = owners.get(col, [])
        if whole and parts:
            amount, st, valid = parts[0][1], parts[0][2], None
        else:
            amount = np.zeros(m, dtype=np.int64)
            st = np.zeros(m, dtype=np.int8)
            valid = np.zeros(m, dtype=bool)
            for pos, a, s_ in parts:
                amount[pos] = a
                st[pos] = s_
                valid[pos] = True
        arrays.append(_decimal(pa, np.ascontiguousarray(amount), valid))
        arrays.append(_dictionary(pa, st, STATUS_NAMES, valid, dictionary=dictionary))
    return pa.RecordBatch.from_arrays(arrays, schema=schema), crow


def long_batch(output: Output, chunk: Chunk, evaluated: Sequence[Evaluated]) -> pa.RecordBatch:
    """The long layout of a chunk (a row per company and clause) as a record batch."""
    from .engine import STATUS_NAMES
    from .policy import BASES

    pa = pyarrow("Arrow output")
    schema = result_schema(output)
    if not evaluated:
        return pa.RecordBatch.from_pylist([], schema=schema)
    cat, clause_vocab, vocab = output.long_columns(chunk, evaluated)
    arrays = [
        _int(pa, cat["row"], pa.int64()), _names(pa, chunk.names[cat["name"]]),
        _dictionary(pa, cat["policy"], [p.id for p in output.policies]),
        _dictionary32(pa, cat["clause"], clause_vocab), _dictionary(pa, cat["status"], STATUS_NAMES),
        _dictionary(pa, cat["basis"], BASES), _decimal(pa, cat["raw"]), _decimal(pa, cat["amount"]),
        _dictionary32(pa, cat["expl"], vocab),
        # SPEC 9.2: null where the range does not apply
        _decimal(pa, cat["amount_min"], cat["has_amount_min"]), _decimal(pa, cat["amount_max"], cat["has_amount_max"]),
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _dictionary32(pa: Any, codes: np.ndarray, words: Sequence[str]) -> pa.Array:
    idx = pa.array(codes.astype(np.int32), pa.int32())
    return pa.DictionaryArray.from_arrays(idx, pa.array(list(words), pa.string()))


def chunk_batch(output: Output, chunk: Chunk, evaluated: Sequence[Evaluated],
                warnings: Sequence[str] | None = None) -> pa.RecordBatch:
    """The chunk's results in the output's layout, as one record batch."""
    if output.layout == "long":
        return long_batch(output, chunk, evaluated)
    return wide_batch(output, chunk, evaluated, warnings=warnings)[0]


class Portable:
    """A record batch that pickles compactly, for a worker process handing its results to the parent.

    pyarrow pickles every buffer whole: a ``decimal128`` amount is 16 bytes
    although the fen fit the low 8, and most amounts are zero, so a wide batch
    crossed the pipe at ~485 bytes a line. Here an amount column goes as its
    fen (only the non-zero ones, with their positions, when most are zero) and
    is rebuilt as the same ``decimal128`` array; every other column goes as
    pyarrow pickles it. Unpickling gives the ``pa.RecordBatch`` itself, equal
    to the one pickled.
    """

    def __init__(self, batch: pa.RecordBatch):
        self.batch = batch

    def __reduce__(self) -> tuple[Any, tuple[bytes, list[tuple[Any, ...]]]]:
        return _rebuilt, (self.batch.schema.serialize().to_pybytes(), [_packed(c) for c in self.batch.columns])


def _packed(arr: pa.Array) -> tuple[Any, ...]:
    t = arr.type
    pa = pyarrow("Arrow output")
    if not (pa.types.is_decimal(t) and t.bit_width == 128 and arr.offset == 0 and len(arr)):
        return ("as is", arr)
    bits, data = arr.buffers()
    words = np.frombuffer(data, dtype=np.int64, count=2 * len(arr)).reshape(-1, 2)
    fen = words[:, 0]
    if not (words[:, 1] == fen >> 63).all():  # beyond 64 bits (not an amount of ours): as is
        return ("as is", arr)
    valid = None if bits is None else bits.to_pybytes()[: (len(arr) + 7) // 8]
    nonzero = np.flatnonzero(fen)
    if len(nonzero) * 3 < len(fen):  # 12 bytes a non-zero amount instead of 8 an amount
        return ("sparse fen", len(arr), valid, nonzero.astype(np.int32), fen[nonzero])
    return ("fen", len(arr), valid, np.ascontiguousarray(fen))


def _rebuilt(schema_bytes: bytes, parts: list[tuple[Any, ...]]) -> pa.RecordBatch:
    pa = pyarrow("Arrow output")
    schema = pa.ipc.read_schema(pa.py_buffer(schema_bytes))
    arrays = []
    for part, field in zip(parts, schema):
        if part[0] == "as is":
            arrays.append(part[1])
            continue
        n, valid = part[1], part[2]
        if part[0] == "sparse fen":
            fen = np.zeros(n, dtype=np.int64)
            fen[part[3]] = part[4]
        else:
            fen = part[3]
        words = np.empty((n, 2), dtype=np.int64)
        words[:, 0] = fen
        words[:, 1] = fen >> 63
        bits = None if valid is None else pa.py_buffer(valid)
        arrays.append(pa.Array.from_buffers(field.type, n, [bits, pa.py_buffer(words)],
                                            null_count=-1 if bits is not None else 0))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


class ParquetSink:
    """Record batches into a Parquet file (or stream), in row groups of ``ROW_GROUP_ROWS`` output rows."""

    def __init__(self, where: Path | Any, output: Output):
        pa = pyarrow("Parquet output (-o FILE.parquet or --format parquet)")  # (where: the temporary file)
        self.pa = pa
        self.schema = result_schema(output)
        # dictionaries only for the word columns (statuses, …): the amounts, mostly zero, compress better
        # (and faster) as plain integers under zstd
        words = [f.name for f in self.schema if pa.types.is_dictionary(f.type)]
        self.writer = pa.parquet.ParquetWriter(str(where) if isinstance(where, Path) else where, self.schema,
                                               compression="zstd", use_dictionary=words,
                                               write_statistics=["row", "year"])
        self.pending: list[Any] = []  # record batches
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        if not batch.num_rows:
            return
        self.pending.append(batch)
        self.rows += batch.num_rows
        if self.rows >= ROW_GROUP_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            table = self.pa.Table.from_batches(self.pending, schema=self.schema)
            self.writer.write_table(table, row_group_size=max(self.rows, 1))
        self.pending = []
        self.rows = 0
        self.pa.default_memory_pool().release_unused()  # the encoders' buffers go back, memory stays flat

    def close(self) -> None:
        self.flush()
        self.writer.close()
