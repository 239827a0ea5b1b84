"""What a person most likely meant when a TOML file does not parse: the slips of typing a profile by hand in
Chinese, in Word or WPS, or from another tool's config format. The parser's own message stays; the hint after it
names the fix, with the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives.cli import app

HEAD = 'name = "甲公司"\njurisdiction = "nanchang"\nyear = 2024\n'


@pytest.mark.parametrize("body, line, hint", [
    ('revenue = 3亿\n', 4, 'a value with a unit or any text goes in double quotes: revenue = "3亿"'),
    ('revenue = 1,200,000\n', 4, 'a value with a unit or any text goes in double quotes: revenue = "1,200,000"'),
    ('revenue = “3亿”\n', 4, ('the quotes are curly (“ ” ‘ ’, as Word or WPS type them): use straight ones, '
                            'revenue = "3亿"')),
    ('revenue = "3亿"，\n', 4, ('remove the “，” after the value: one field per line, nothing between them, e.g. '
                             'revenue = "3亿"')),
    ('rd_staff = 120,\n', 4, ('remove the “,” after the value: one field per line, nothing between them, e.g. '
                           'rd_staff = 120')),
    ('rd_staff ＝ 120\n', 4, ('full-width characters where TOML needs ASCII, as a Chinese input method types them: '
                           '“＝” (type =)')),
    ('rd_staff\u3000= 120\n', 4, ('full-width characters where TOML needs ASCII, as a Chinese input method types '
                               'them: a full-width space (type a space)')),
    ('industries = ["电子信息"，"LED"]\n', 4, ('full-width characters where TOML needs ASCII, as a Chinese input '
                                          'method types them: “，” (type ,)')),
    ('rd_staff: 120\n', 4, 'a key and its value are joined by = (not :), e.g. rd_staff = 120'),
    ('rd_staff = = 120\n', 4, 'one = between a key and its value: rd_staff = 120'),
    ('rd_staff =\n', 4, 'rd_staff has no value: give one after =, e.g. rd_staff = "…" or rd_staff = 0'),
    ('has_rd_center = 是\n', 4, 'yes or no is written true or false, in lower case: has_rd_center = true'),
    ('has_rd_center = True\n', 4, 'yes or no is written true or false, in lower case: has_rd_center = true'),
    ("rd_staff = 120\nrd_staff = 130\n", 5, "rd_staff is given twice (lines 4 and 5): keep one"),
    ('营业收入 = "3亿"\n', 4, 'a key that is not plain ASCII must be quoted: "营业收入" = …'),
    # every unquoted key at once (a 30-line profile took 30 runs); curly quotes around a key are curly quotes
    ('营业收入 = "3亿"\n研发费用 = "1000万"\n"研发人员" = 80\n所在地 = "南昌"\n', 4,
     'a key that is not plain ASCII must be quoted: "营业收入" = …; so must line 5\'s "研发费用", line 7\'s "所在地"'),
    ('“营业收入” = "3亿"\n', 4, ('the quotes are curly (“ ” ‘ ’, as Word or WPS type them): use straight ones, '
                              '"营业收入" = "3亿"')),
    ('[公司]\nrevenue = "3亿"\n', 4, ('a company profile has no [headings]: its fields are written at the top of the '
                                  'file; delete the line [公司]')),
])
def test_a_syntax_slip_is_named_with_its_fix(tmp_path: Path, body: str, line: int, hint: str) -> None:
    path = tmp_path / "company.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    res = CliRunner().invoke(app, ["calc", str(path)])
    assert res.exit_code == 1, res.output
    assert res.stderr.startswith(f"error: {path}:{line}: not valid TOML: "), res.stderr
    assert f"; {hint}" in res.stderr, res.stderr
    assert "Traceback" not in res.output


def test_fields_under_a_company_heading_are_one_problem_not_every_field_missing(tmp_path: Path) -> None:
    # [company] parses (it is valid TOML): the fields inside it are not also reported as missing
    path = tmp_path / "company.toml"
    path.write_text('[company]\nname = "甲公司"\njurisdiction = "nanchang"\nyear = 2024\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["calc", str(path)])
    assert res.exit_code == 1, res.output
    assert res.stderr == (f"error: {path}:1, field 'company': a [company] table heading: a profile's fields are "
                          f"written at the top of the file, with no heading above them; delete the line [company]\n")


def test_a_policy_table_with_a_slip_gets_the_hint_too(tmp_path: Path) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text('[policy]\nid = "x"\nvalid_from = 2024-01-01\ntitle_zh = 关于\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["policies", "validate", str(bad)])
    assert res.exit_code == 1, res.output
    assert 'a value with a unit or any text goes in double quotes: title_zh = "关于"' in res.output


@pytest.mark.parametrize(("written", "meant"), [("否", "false"), ("no", "false"), ("FALSE", "false"), ("×", "false"),
                                                ("是", "true"), ("√", "true")])
def test_an_unquoted_yes_or_no_word_gets_the_value_it_means(tmp_path, written, meant) -> None:
    # '"新引入企业" = 否' was told to write "= true": followed, the 5% company cap stopped applying
    from nanchang_incentives import api
    from nanchang_incentives.errors import InputError

    path = tmp_path / "p.toml"
    path.write_text(f'name = "x"\nyear = 2024\njurisdiction = "nanchang"\n"新引入企业" = {written}\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        api.load_company(path, api.load())
    assert f'yes or no is written true or false, in lower case: "新引入企业" = {meant}' in info.value.message


def test_every_unquoted_amount_and_yes_no_word_is_named_at_once(tmp_path) -> None:
    # a profile typed in Notepad with five such lines took five runs, one line each
    from nanchang_incentives import api
    from nanchang_incentives.errors import InputError

    path = tmp_path / "p.toml"
    path.write_text('"企业名称" = "甲"\n"所在地" = "南昌"\n"年度" = 2024\n"营业收入" = 5亿\n"上年营业收入" = 3.5亿\n'
                    '"研发费用" = 3000万\n"新引入企业" = 否\nvalid = 2024-12-31\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        api.load_company(path, api.load())
    assert info.value.message.endswith(
        'a value with a unit or any text goes in double quotes: "营业收入" = "5亿"; likewise line 5: "上年营业收入" = '
        '"3.5亿"; line 6: "研发费用" = "3000万"; line 7: "新引入企业" = false')
