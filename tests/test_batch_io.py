"""The CSV reader and writer under `batch`: numbers parsed exactly as in a TOML profile, cells cut as the csv module does."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanchang_incentives import csvio
from nanchang_incentives.errors import InputError, ValueProblem
from nanchang_incentives.money import MAX_COUNT, MAX_UNITS, format_fen, parse_count, parse_money

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_cells(texts: list[str], **kw) -> tuple[list[int], list[bool]]:
    raw = [t.encode("utf-8") for t in texts]
    buf = np.frombuffer(b"".join(raw) + b"\0", dtype=np.uint8)
    lens = np.array([len(r) for r in raw], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lens)[:-1])).astype(np.int64)
    v, ok = csvio.parse_numbers(buf, starts, lens, **kw)
    return v.tolist(), ok.tolist()


MONEY = {"scale": 4, "units": True, "max_value": MAX_UNITS}
COUNT = {"scale": 0, "units": False, "max_value": MAX_COUNT}

money_text = st.one_of(
    st.text(alphabet="0123456789.万亿元 ,-+e", max_size=14),
    st.builds(lambda i, f, u: f"{i}{f}{u}", st.integers(0, 10**14), st.sampled_from(["", ".5", ".05", ".12345", "."]),
              st.sampled_from(["", "元", "万", "亿", "万元", "亿元", "千"])),
)


@FAST
@given(st.lists(money_text, min_size=1, max_size=20))
def test_plain_money_cells_parse_exactly_as_parse_money(texts):
    values, ok = parse_cells(texts, **MONEY)
    for text, v, good in zip(texts, values, ok):
        if good:  # the fast path may only accept what parse_money accepts, with the same value
            assert parse_money(text) == v, text
        else:
            assert v == 0


def test_money_fast_path_examples():
    values, ok = parse_cells(["1200000", "120万", "120万元", "2.5亿", "2.5亿元", "0.0001", "1234.56", "7元",
                              "1,200,000", "1.2.3", "", "12x", "-5", "1.23456", "3.", ".5", "１２"], **MONEY)
    assert ok == [True] * 8 + [False] * 9
    assert values[:8] == [12_000_000_000, 12_000_000_000, 12_000_000_000, 25 * 10**11, 25 * 10**11, 1,
                          12_345_600, 70_000]


def test_money_fast_path_bounds():
    # 10万亿 yuan is the most a profile may hold; one unit more goes to the general parser (an error there)
    values, ok = parse_cells(["10000000000000", "10000000000000.0001", "1000000000亿"], **MONEY)
    assert (values[0], ok) == (MAX_UNITS, [True, False, False])
    with pytest.raises(ValueProblem):
        parse_money("10000000000000.0001")


@FAST
@given(st.lists(st.text(alphabet="0123456789.-+ e", max_size=10), min_size=1, max_size=20))
def test_count_cells_parse_exactly_as_parse_count(texts):
    values, ok = parse_cells(texts, **COUNT)
    for text, v, good in zip(texts, values, ok):
        if good:
            assert parse_count(text) == v


@FAST
@given(st.lists(st.integers(0, 10**17), min_size=1, max_size=30), st.booleans())
def test_number_text_matches_format_fen(values, fen):
    cells = csvio.number_text(np.array(values, dtype=np.int64), fen=fen)
    got = [bytes(c).replace(b"\0", b"").decode() for c in cells]
    assert got == [format_fen(v) if fen else str(v) for v in values]


def test_number_text_leaves_absent_cells_empty():
    cells = csvio.number_text(np.array([5, 0, 123]), np.array([True, False, True]), fen=True)
    assert [bytes(c).replace(b"\0", b"") for c in cells] == [b"0.05", b"", b"1.23"]


def test_amount_status_cells_csv_and_json():
    amounts = np.array([[0, 12345], [7, 0]])
    status = np.array([[3, 0], [1, -1]], dtype=np.int8)
    names = [b"granted", b"capped", b"excluded", b"not_eligible"]
    cells = csvio.amount_status_cells(amounts, status, [b","] * 2, [b","] * 2, names)
    assert [bytes(r).replace(b"\0", b"") for r in cells] == [b",0.00,not_eligible,123.45,granted", b",0.07,capped,,"]
    cells = csvio.amount_status_cells(amounts, status, [b',"a":"', b',"b":"'], [b'","a_status":', b'","b_status":'],
                                      [b'"granted"', b'"capped"', b'"excluded"', b'"not_eligible"'])
    assert [bytes(r).replace(b"\0", b"") for r in cells] == [
        b',"a":"0.00","a_status":"not_eligible","b":"123.45","b_status":"granted"',
        b',"a":"0.07","a_status":"capped"']


# ---------------------------------------------------------------- cutting cells

cell = st.one_of(st.text(alphabet='ab,"\n\r 万;1.', max_size=6), st.sampled_from(["", "南昌", "x,y", 'say "hi"']))


@FAST
@given(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=12), st.sampled_from(["\n", "\r\n"]))
def test_cells_are_cut_as_the_csv_module_reads_them(rows, terminator):
    if terminator == "\n":  # csv.writer leaves a lone CR unquoted then, and csv.reader reads it as a line break
        rows = [[c.replace("\r", "") for c in r] for r in rows]
    text = io.StringIO()
    csv.writer(text, lineterminator=terminator).writerows(rows)
    data = text.getvalue().encode("utf-8")
    cells = csvio.split_block(csvio.Block(data, 1, len(data)), ["a", "b", "c"])
    assert not cells.problems
    records = list(csv.reader(io.StringIO(text.getvalue(), newline="")))
    # rows of empty (or only-space) cells (Excel's ",,") are skipped and counted
    expected = [r for r in records if any(c.strip() for c in r)]
    got = [[cells.text(i, j) for j in range(3)] for i in range(cells.n)]
    assert got == expected
    assert cells.rows.tolist() == [k + 1 for k, r in enumerate(records) if any(c.strip() for c in r)]
    assert cells.blank == len(records) - len(expected)


@FAST
@given(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=30), st.integers(1, 64))
def test_blocks_end_on_record_boundaries(rows, size):
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    data = text.getvalue().encode("utf-8")
    f = io.BytesIO(data)
    got: list[list[str]] = []
    numbers: list[int] = []
    for block in csvio.iter_blocks(f, csvio.Encoding("utf-8"), 0, block_bytes=size):
        cells = csvio.split_block(block, ["a", "b", "c"])
        got += [[cells.text(i, j) for j in range(3)] for i in range(cells.n)]
        numbers += cells.rows.tolist()
    def looks_empty(r: list[str]) -> bool:
        return len(r) == 3 and not any(c.strip() for c in r)

    expected = [r for r in csv.reader(io.StringIO(text.getvalue(), newline="")) if not looks_empty(r)]
    assert [r for r in got if not looks_empty(r)] == expected
    assert numbers == sorted(numbers)


def test_misplaced_quote_falls_back_to_the_csv_module():
    data = b'ab"c,1,2\nd,"3",4\n'
    cells = csvio.split_block(csvio.Block(data, 1, len(data)), ["a", "b", "c"])
    assert [[cells.text(i, j) for j in range(3)] for i in range(cells.n)] == [['ab"c', "1", "2"], ["d", "3", "4"]]


def test_blank_lines_keep_row_numbers():
    data = b"a,1,2\n\nb,3,4\r\n\r\nc,5,6"
    cells = csvio.split_block(csvio.Block(data, 1, len(data)), ["a", "b", "c"])
    assert cells.rows.tolist() == [1, 3, 5]


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("text_encoding,bom,label", [
    ("utf-8", b"", "UTF-8"),
    ("utf-8", codecs.BOM_UTF8, "UTF-8 with BOM"),
    ("gbk", b"", "GB18030"),
    ("gb18030", b"", "GB18030"),
])
def test_encoding_detection(tmp_path: Path, text_encoding, bom, label):
    path = tmp_path / "c.csv"
    path.write_bytes(bom + "name,year\n南昌硅衬底光电,2024\n".encode(text_encoding))
    enc = csvio.detect_encoding(path)
    assert enc.label == label
    with open(path, "rb") as f:
        names, start = csvio.read_header(f, enc, path)
        assert names == ["name", "year"]
        block = next(csvio.iter_blocks(f, enc, start))
    assert block.data == "南昌硅衬底光电,2024\n".encode()  # transcoded to UTF-8


@pytest.mark.parametrize("text_encoding,label", [("gbk", "GB18030"), ("utf-8", "UTF-8")])
def test_a_first_megabyte_of_ascii_does_not_decide_the_encoding(tmp_path: Path, text_encoding, label):
    """A GBK export whose first MB is pinyin and numbers: its first Chinese row, 1.5 MB in, decides."""
    path = tmp_path / "c.csv"
    ascii_rows = "".join(f"pinyin{i},2024\r\n" for i in range(110_000))  # ~1.7 MB
    path.write_bytes(("name,year\r\n" + ascii_rows + "南昌公司,2024\r\n").encode(text_encoding))
    assert path.stat().st_size > csvio.SNIFF_BYTES
    assert csvio.detect_encoding(path).label == label
    with open(path, "rb") as f:
        enc = csvio.detect_encoding(path)
        _, start = csvio.read_header(f, enc, path)
        last = list(csvio.iter_blocks(f, enc, start))[-1]
    assert last.data.endswith("南昌公司,2024\r\n".encode()) and not last.bad_encoding


def test_old_mac_line_endings_are_refused(tmp_path: Path):
    path = tmp_path / "c.csv"
    path.write_bytes(b"name,year\rA,2024\r")
    enc = csvio.detect_encoding(path)
    with open(path, "rb") as f, pytest.raises(InputError, match="carriage returns only"):
        csvio.read_header(f, enc, path)


def test_pure_ascii_is_utf8(tmp_path: Path):
    path = tmp_path / "c.csv"
    path.write_bytes(b"name,year\nA,2024\n")
    assert csvio.detect_encoding(path).label == "UTF-8"
