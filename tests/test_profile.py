"""Reading company profiles (SPEC §4): typed values, and errors that say
where (file:line), which field, what was expected and an example."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanchang_incentives import api
from nanchang_incentives.errors import InputError
from nanchang_incentives.profile import load_profile, parse_values, table_of

CATALOG = api.load()
REG = CATALOG.registry
FIXTURE = Path(__file__).parent / "fixtures" / "nanchang" / "led-2024.toml"
Y = 10_000  # money units per yuan


def write(tmp_path: Path, text: str, name: str = "company.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> InputError:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_profile(path, REG)
    return info.value


# ---------------------------------------------------------------- values


def test_fixture_loads_with_exact_typed_values() -> None:
    p = load_profile(FIXTURE, REG)
    assert p.name == "Example Si-LED Co."
    assert p.get("year") == 2024
    assert p.get("industries") == ("electronic-information", "led")
    assert p.get("revenue") == 3_200_000_000 * Y  # "32亿"
    assert p.get("revenue_prev") == 3_000_000_000 * Y  # "30亿元"
    assert p.get("sales_revenue") == 3_000_000_000 * Y  # "3,000,000,000"
    assert p.get("settlement_sales") == 600_000_000 * Y  # TOML integer
    assert p.get("rd_expense") == 120_000_000 * Y  # "1.2亿"
    assert p.get("rd_staff") == 150
    assert p.get("is_listed") is True
    assert p.get("is_new_entrant") is False
    assert p.get("smart_factory_investments") == (8_000_000 * Y, 12_000_000 * Y)
    assert p.lines["revenue"] == 7  # the line of `revenue = "32亿"` in the fixture


def test_rate_field_is_held_exactly() -> None:
    # rates are stored in millionths: 3.10% = 0.031 = 31,000 / 1,000,000
    assert parse_values({"lpr_1y": "3.10%"}, REG) == {"lpr_1y": 31_000}


def test_csv_booleans_and_lists() -> None:
    row = {"is_listed": "是", "is_fortune500": "否", "neeq_listed": "1", "ipo_completed": "0",
           "key_support_area": "yes", "is_new_entrant": "no",
           "smart_factory_investments": "300万;150万", "industries": "electronic-information;LED",
           "revenue": ""}
    values = parse_values(row, REG, csv=True)
    assert values == {
        "is_listed": True, "is_fortune500": False, "neeq_listed": True, "ipo_completed": False,
        "key_support_area": True, "is_new_entrant": False,
        "smart_factory_investments": (3_000_000 * Y, 1_500_000 * Y),
        "industries": ("electronic-information", "led"),
    }  # an empty CSV cell is a missing value, not zero
    assert "revenue" not in values


def test_table_of_profiles_keeps_missing_apart_from_zero() -> None:
    a = load_profile(FIXTURE, REG)
    b = a.with_values(revenue=None, rd_staff=0)
    t = table_of([a, b], REG)
    assert t.python_value("revenue", 0) == 3_200_000_000 * Y
    assert t.python_value("revenue", 1) is None
    assert t.python_value("rd_staff", 1) == 0


# ---------------------------------------------------------------- errors


def test_unknown_field_suggests_the_close_name(tmp_path: Path) -> None:
    err = load_error(tmp_path, 'name = "A"\nyear = 2024\nrevenu = "1亿"\n')
    assert err.location.file and err.location.file.endswith("company.toml")
    assert err.location.line == 3
    assert err.location.field == "revenu"
    assert 'did you mean "revenue"' in str(err)


def test_bad_money_names_file_line_field_expected_and_example(tmp_path: Path) -> None:
    err = load_error(tmp_path, 'name = "B"\nyear = 2024\n\nrevenue = "120k"\n')
    text = str(err)
    assert text.startswith(f"{tmp_path / 'company.toml'}:4")
    assert err.location.field == "revenue"
    assert "unknown unit 'k'" in text
    assert "expected" in text and '"120万"' in text


@pytest.mark.parametrize("line,expected", [
    ("revenue = -5", "negative"),
    ("revenue = nan", "not a finite"),
    ("revenue = inf", "not a finite"),
    ('revenue = "1,20,000"', "not an amount of money"),
    ("revenue = 100000000000000", "10万亿"),
    ("revenue = true", "boolean"),
    ('lpr_1y = "3.10"', "percentage"),
    ("lpr_1y = 0.031", "percentage"),
    ('is_listed = "maybe"', "true or false"),
    ("rd_staff = 3.5", "whole number"),
    ("rd_staff = -1", "negative"),
    ("year = 1899", "fiscal year"),
    ('smart_factory_investments = ["300万", "-1"]', "item 2"),
    ("industries = 5", "list"),
])
def test_bad_value_is_located(tmp_path: Path, line: str, expected: str) -> None:
    err = load_error(tmp_path, f'name = "C"\n{line}\n')
    assert err.location.line == 2
    assert err.location.field == line.split(" = ")[0]
    assert expected in str(err)


def test_inline_table_value_is_rejected(tmp_path: Path) -> None:
    err = load_error(tmp_path, 'name = "D"\nyear = 2024\nrevenue = { value = 1 }\n')
    assert (err.location.line, err.location.field) == (3, "revenue")
    assert "got a table" in str(err)


def test_table_header_value_is_rejected_with_its_line(tmp_path: Path) -> None:
    err = load_error(tmp_path, 'name = "D"\nyear = 2024\n\n[revenue]\nvalue = 1\n')
    assert (err.location.line, err.location.field) == (4, "revenue")
    assert "got a table" in str(err)


def test_keys_under_a_table_do_not_take_top_level_lines(tmp_path: Path) -> None:
    # the `year` inside [x] must not be reported as the profile's year line
    path = write(tmp_path, 'name = "E"\nrevenue = "1亿"\n[x]\nyear = 1\n')
    with pytest.raises(InputError) as info:
        load_profile(path, REG)
    assert (info.value.location.line, info.value.location.field) == (3, "x")


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    err = load_error(tmp_path, 'name = "F"\nyear = 2024\nrevenue = 1 2\n')
    assert err.location.line == 3
    assert "not valid TOML" in str(err)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_profile(tmp_path / "nope.toml", REG)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes('name = "南昌"\n'.encode("gbk"))
    with pytest.raises(InputError, match="UTF-8"):
        load_profile(path, REG)


def test_csv_row_error_names_the_row() -> None:
    from nanchang_incentives.errors import Location

    with pytest.raises(InputError) as info:
        parse_values({"revenue": "abc"}, REG, csv=True, where=Location(file="in.csv", row=7))
    assert str(info.value).startswith("in.csv, row 7, field 'revenue'")


@pytest.mark.parametrize("written", ["电子信息；LED", "电子信息、LED", "电子信息，LED", "电子信息,LED", "电子信息/LED",
                                     "电子信息／LED", "电子信息, LED,"])
def test_industry_tags_are_separated_by_any_mark_a_tag_cannot_hold(catalog, written):
    spec = catalog.registry["industries"]
    assert spec.parse(written, csv=True) == ("electronic-information", "led")


def test_tags_separated_by_spaces_are_refused_with_the_separator_to_use(catalog):
    from nanchang_incentives.errors import ValueProblem

    with pytest.raises(ValueProblem, match=r"'电子信息 led' looks like 2 tags separated by spaces: separate them "
                                           r"with ; \(or ；, 、, a comma or /\), e.g. '电子信息;led'"):
        catalog.registry["industries"].parse("电子信息 LED", csv=True)


def test_a_tag_a_policy_declares_with_a_slash_or_comma_stays_one_tag(tmp_path):
    """A table in --policies-dir may target industries = ["ai/ml"]: that tag is not split at its slash."""
    from nanchang_incentives import api

    src = Path(__file__).resolve().parent.parent / "docs" / "example" / "policies" / "example-city-software-2024.toml"
    text = src.read_text(encoding="utf-8")
    assert 'industries = ["software"]' in text
    d = tmp_path / "pol"
    d.mkdir()
    (d / src.name).write_text(text.replace('industries = ["software"]', 'industries = ["ai/ml", "r,d"]'), encoding="utf-8")
    spec = api.load([d]).registry["industries"]
    assert spec.parse("AI/ML;电子信息", csv=True) == ("ai/ml", "electronic-information")
    assert spec.parse(["r,d"]) == ("r,d",)
    assert spec.parse("电子信息/LED", csv=True) == ("electronic-information", "led")


def test_an_unquoted_float_reads_as_its_quoted_form_in_a_profile_file(tmp_path: Path) -> None:
    """TOML parsed rd_staff = 99.9999999999999999 into the float 100.0 (100 R&D staff: rd_center granted,
    15,000,000.00) where the same CSV cell is refused. A float a binary float cannot hold is now read from its
    text; one that is the number written (100.0, 2.5e9) stays a number."""
    # 1999999999.99994999: finer than 1/10000 yuan, refused (README) as "1999999999.99994999" and the CSV cell
    # are; before, the binary float 2000000000.0 decided
    for text in ("1999999999.99994999", '"1999999999.99994999"'):
        with pytest.raises(InputError, match=r"company\.toml:2, field 'revenue': '1999999999\.99994999' is "
                                             r"1999999999\.99994999 yuan, more than 4 decimals of a yuan"):
            load_profile(write(tmp_path, f"year = 2024\nrevenue = {text}\n"), REG)
    exact = load_profile(write(tmp_path, "year = 2024\nrevenue = 1999999999.99990000\n", "e.toml"), REG)
    assert exact.get("revenue") == 19_999_999_999_999
    with pytest.raises(InputError, match=r"company\.toml:2, field 'rd_staff'.*got the number 99\.9999999999999999"):
        load_profile(write(tmp_path, "year = 2024\nrd_staff = 99.9999999999999999\n"), REG)
    whole = load_profile(write(tmp_path, "year = 2024\nrd_staff = 100.0\nrevenue = 2.5e9\n", "w.toml"), REG)
    assert (whole.get("rd_staff"), whole.get("revenue")) == (100, 2_500_000_000 * Y)


@pytest.mark.parametrize("key", ["smart_factory_investments", "industries"])
def test_an_empty_text_for_a_list_is_an_error_as_for_an_amount(tmp_path: Path, key: str) -> None:
    """smart_factory_investments = "" was an empty list (0 projects, not eligible) where the empty CSV cell is
    no value (missing_input), and revenue = "" is an error: now an error too, saying what to write."""
    err = load_error(tmp_path, f'year = 2024\n{key} = ""\n')
    assert err.location.line == 2 and err.location.field == key
    assert "an empty text is no list: write [] for an empty list (none), or leave the key out when it is not known" \
        in str(err)


def test_a_flood_of_unknown_fields_lists_fifty_and_counts_the_rest(tmp_path: Path) -> None:
    # 60,000 keys of nonsense took 18 s and 5.7 MB of did-you-means
    from nanchang_incentives.profile import ProfileProblems

    path = write(tmp_path, "year = 2024\n" + "".join(f"k{i} = 1\n" for i in range(2_000)))
    with pytest.raises(ProfileProblems) as info:
        load_profile(path, REG)
    problems = info.value.problems
    assert len(problems) == 51 and problems[0].location.line == 2 and problems[49].location.field == "k49"
    assert str(problems[50]).endswith("… and 1,950 more unknown fields, not listed one by one: is this a company "
                                      "profile?")


@pytest.mark.parametrize(("encoding", "said"), [
    ("gbk", 'is not UTF-8 text but most likely GBK (the "ANSI" of a Chinese Windows); save the TOML file as UTF-8'),
    ("utf-16", 'is not UTF-8 text but UTF-16 (Notepad\'s "Unicode"); save the TOML file as UTF-8'),
    ("utf-16-le", 'is not UTF-8 text but UTF-16 (Notepad\'s "Unicode"); save the TOML file as UTF-8'),  # no BOM
])
def test_a_profile_saved_in_another_encoding_is_named(tmp_path: Path, encoding: str, said: str) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes(('name = "x"\nyear = 2024\n' if encoding == "utf-16-le" else 'name = "甲公司"\nyear = 2024\n')
                     .encode(encoding))
    with pytest.raises(InputError) as info:
        load_profile(path, REG)
    assert said in str(info.value)


def test_a_nul_character_in_a_profile_is_named_with_its_line(tmp_path: Path) -> None:
    # a trailing NUL was "not valid TOML: Invalid statement", naming nothing one could see
    path = tmp_path / "p.toml"
    path.write_bytes(b'name = "x"\nyear = 2024\n\x00')
    with pytest.raises(InputError) as info:
        load_profile(path, REG)
    assert info.value.location.line == 3 and "holds a NUL character" in str(info.value)


def test_a_worked_case_reads_its_floats_as_a_profile_does(tmp_path: Path) -> None:
    # `policies test` read a case's rd_staff = 99.9999999999999999 as 100.0 (a PASS calc would refuse)
    from nanchang_incentives.tomlio import TomlKind, read_toml

    path = tmp_path / "x.cases.toml"
    path.write_text('[[cases]]\nname = "n"\n[cases.profile]\nrd_staff = 99.9999999999999999\nrevenue = 2.5e9\n',
                    encoding="utf-8")
    data, _ = read_toml(path, TomlKind.CASES)
    assert data["cases"][0]["profile"] == {"rd_staff": "99.9999999999999999", "revenue": 2.5e9}
    policy = tmp_path / "p.toml"
    policy.write_text("x = 0.1\n", encoding="utf-8")
    assert read_toml(policy, TomlKind.POLICY)[0] == {"x": 0.1}


def test_a_number_kept_as_its_text_is_still_no_text(tmp_path: Path) -> None:
    # name = 3.14159265358979323846 was taken as the name "3.14…" (kept as its text for the number parsers)
    err = load_error(tmp_path, 'name = 3.14159265358979323846\nyear = 2024\n')
    assert err.location.field == "name" and "expected text, got the number 3.14159265358979323846" in str(err)


def test_a_key_with_a_unit_says_to_put_the_unit_with_the_value(tmp_path: Path) -> None:
    # "营业收入（万元）" = 35000 got "did you mean 营业收入", and following it read 35000 as yuan, 10,000× too small
    err = load_error(tmp_path, 'year = 2024\n"营业收入（万元）" = 35000\n')
    assert err.location.line == 2
    assert str(err).endswith("the key names revenue with a unit (万元), which a profile does not read from a key: "
                             "write the field alone and the unit with the value, \"营业收入\" = \"35000万元\" (a bare "
                             "number is yuan)")


@pytest.mark.parametrize("address", ["江西省南昌市红谷滩区丰和中大道", "武汉市东湖新技术开发区高新大道666号"])
def test_a_street_address_as_jurisdiction_says_what_to_write(tmp_path: Path, address: str) -> None:
    # "no policy for jurisdiction …; known: beijing, nanchang, wuhan-east-lake" and nothing more
    from nanchang_incentives import api

    (tmp_path / "a.toml").write_text(f'name = "A"\njurisdiction = "{address}"\nyear = 2024\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        api.policies_for(load_profile(tmp_path / "a.toml", REG), api.load())
    assert ": a street address is not read as a place: write the city (南昌, 北京市) or the city and its district " \
           "(南昌市红谷滩区)" in str(info.value)


@pytest.mark.parametrize(("text", "what"), [("", "empty"), ("# 企业申报信息\n\n", "only comments")])
def test_an_empty_profile_is_called_empty(tmp_path: Path, text: str, what: str) -> None:
    # it said "jurisdiction: missing …; year: missing …", as for a profile short of two fields
    err = load_error(tmp_path, text)
    assert str(err).endswith(f"the profile is {what}: write the company's fields, one per line, e.g. name = \"甲公司\", "
                             f"jurisdiction = \"nanchang\", year = 2024, revenue = \"3亿\" (see samples/*.toml)")
