"""Company-profile fields: their types, how to read them, and their defaults.

The general fields (SPEC §4) are declared in ``policies/fields.toml``; each
policy table declares the fields its clauses read in its own ``[fields]``
table, so a new city brings its fields with it and no code changes.
"""

from __future__ import annotations

import difflib
import enum
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from . import expr
from .errors import ValueProblem
from .money import (
    RATE_DENOMINATOR,
    UNITS_PER_YUAN,
    NumberText,
    given,
    parse_bool,
    parse_count,
    parse_money,
    parse_rate,
    parse_year,
)
from .text import compiled_later

MONEY = "money"
MONEY_LIST = "money_list"
COUNT = "count"
BOOL = "bool"
RATE = "rate"
YEAR = "year"
TEXT = "text"
TAGS = "tags"
TYPES = (MONEY, MONEY_LIST, COUNT, BOOL, RATE, YEAR, TEXT, TAGS)
#: a sheet's own bookkeeping column (序号, 备注, 联系电话 …) that batch reads past: no field, never in a policy table
IGNORED = "ignored"

#: denominator of a numeric field's stored integers (money in 1/10000 yuan)
DENOMINATOR = {MONEY: UNITS_PER_YUAN, MONEY_LIST: UNITS_PER_YUAN, COUNT: 1, YEAR: 1, RATE: RATE_DENOMINATOR}
#: largest stored integer of a numeric field (for overflow bounds)
BOUND = {MONEY: 10**17, MONEY_LIST: 10**17, COUNT: 10**7, YEAR: 2100, RATE: RATE_DENOMINATOR}

EXAMPLES = {
    MONEY: '1200000, "1,200,000", "120万", "2.5亿元"',
    MONEY_LIST: '["300万", "150万"], or one amount "300万" (in CSV: "300万;150万")',
    BOOL: "true or false (also 1/0, yes/no, 是/否, 有/无, √/×)",
    RATE: '"3.45%" (also "３.４５％")',
    COUNT: '3 (also "150人", "3个", "2项", "5家", "4台", "2套")',
    YEAR: "2024",
    TEXT: '"Example Co."',
    TAGS: '["electronic-information", "led"] (in CSV: "electronic-information;led")',
}


#: the plausibility rules a money or rate field takes part in (``plausibility = "…"`` in [fields])
class Scale(str, enum.Enum):
    #: a part of the year's revenue (R&D expense, a product line's sales): above revenue is suspicious
    WITHIN_REVENUE = "within_revenue"
    #: one project's (or unit's, event's) investment: above revenue, and far above 10× revenue, is suspicious
    PROJECT = "project"
    #: an interest rate such as the LPR: outside 0.5% … 15% is suspicious
    INTEREST_RATE = "interest_rate"


#: the traditional characters of the fields' and the vocabularies' Chinese names -> simplified (營業收入 is 营业收入,
#: 電子信息 电子信息): a sheet or profile typed in Hong Kong, Macao or Taiwan names the same fields. A traditional
#: character has one simplified form, so this never makes two names one; only the characters the names use are
#: here (a word that differs, 軟體 for 软件, is not translated)
_SIMPLIFIED = str.maketrans(
    "專業為舉於產億價會關冊幾創製辦務動區單廠發髮臺後員園國場備學實對屬帥應開強總報掛數術機權桿闆標註點電離稱稅簽籤"
    "類約級納經結繳職節獲穫營補襯規設證試財貼貸費資賽軟轄達運進銀鏈銷鍵長階際險項領額風駐驗東體導顯漢濟擬現終網聯虛車萬幣",
    "专业为举于产亿价会关册几创制办务动区单厂发发台后员园国场备学实对属帅应开强总报挂数术机权杆板标注点电离称税签签"
    "类约级纳经结缴职节获获营补衬规设证试财贴贷费资赛软辖达运进银链销键长阶际险项领额风驻验东体导显汉济拟现终网联虚车万币")


#: the error values Excel shows where a formula failed, as its CSV export writes them
EXCEL_ERROR_VALUES = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                                "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})


def excel_error_message(value: str) -> str:
    """Why a cell holding Excel's error value is refused (an .xlsx cell's, and the same text in its CSV export)."""
    return (f"the cell holds Excel's error value {value}: the formula that fills it failed (a lookup that found "
            f"nothing, a division by zero, a deleted reference); correct it in the sheet or type the value")


def _fold(text: str) -> str:
    """The form names are matched in: NFKC (full-width letters), lower case, no surrounding spaces, simplified
    characters (``_SIMPLIFIED``).

    >>> _fold(" 營業收入 "), _fold("ＲＥＶＥＮＵＥ")
    ('营业收入', 'revenue')
    """
    return unicodedata.normalize("NFKC", text).strip().lower().translate(_SIMPLIFIED)


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


@dataclass(frozen=True)
class Vocabulary:
    """Known values of a tag or code field (industries, jurisdictions), with the names users write for them."""

    name: str
    #: canonical value -> its Chinese name
    zh: Mapping[str, str]
    #: folded alias -> every canonical value it names (more than one: ambiguous)
    aliases: Mapping[str, tuple[str, ...]]
    #: "_" and spaces read as "-" (place names, as ``--cities`` and ``--policy`` read them: wuhan_east_lake,
    #: "Wuhan East Lake"); industry tags keep them, so that a near miss is a did-you-mean
    loose_dashes: bool = False
    #: folded name of a whole city -> its value: a district, county or zone written after it is in it too
    #: (南昌市青山湖区, 北京市海淀区, 南昌县); a zone's policy (东湖高新区) has none, so 武汉市江汉区 is not it
    cities: Mapping[str, str] = field(default_factory=dict)

    def with_values(self, values: Iterable[str]) -> Vocabulary:
        """The same vocabulary knowing ``values`` too (the tags of the loaded policies)."""
        zh = dict(self.zh)
        for v in values:
            zh.setdefault(_fold(v), "")
        return Vocabulary(self.name, zh, self.aliases, self.loose_dashes, self.cities)

    def name_zh(self, value: str) -> str:
        """The Chinese name of a value, what ``--lang zh`` output calls it (and a profile may write); the value
        itself when the vocabulary gives none (a tag only a policy table declares, or one nobody knows).

        >>> v = Vocabulary("industries", {"electronic-information": "电子信息", "ai": ""}, {})
        >>> v.name_zh("electronic-information"), v.name_zh("ai"), v.name_zh("纺织")
        ('电子信息', 'ai', '纺织')
        """
        return self.zh.get(value) or value

    def lookup(self, text: str) -> str | None:
        """The canonical value ``text`` names, None when unknown; ambiguous names are a ValueProblem."""
        key = _fold(text)
        if self.loose_dashes:  # (and a place's Chinese name typed in parts, "武汉市 东湖高新区", is one name)
            key = re.sub(r"[\s_]+", "-", key)
            if not key.isascii():  # (the separators it drops are those between Chinese characters)
                key = _CITY_SEPARATOR().sub("", key)
        if key in self.zh:
            return key
        found = self.aliases.get(key)
        if not found:
            return self._in_city(key)
        if len(found) > 1:
            raise ValueProblem(f"{text!r} could mean {' or '.join(found)}; write one of them")
        return found[0]

    def _in_city(self, key: str) -> str | None:
        """The city whose district, county or zone ``key`` names (南昌市青山湖区 -> nanchang), None otherwise.

        >>> v = Vocabulary("jurisdictions", {"nanchang": "南昌"}, {}, True, {"南昌市": "nanchang", "南昌": "nanchang"})
        >>> v.lookup("南昌市青山湖区"), v.lookup("南昌县"), v.lookup("南昌市红谷滩新区"), v.lookup("南昌科技公司")
        ('nanchang', 'nanchang', 'nanchang', None)

        A space, a full-width space or a dash between the city and its district is read past (an address
        typed in two parts, or joined by a formula ``=A2&" "&B2``):

        >>> v.lookup("南昌市 青山湖区"), v.lookup("南昌市\u3000青山湖区"), v.lookup("南昌市-青山湖区"), v.lookup("南昌 · 东湖区")
        ('nanchang', 'nanchang', 'nanchang', 'nanchang')
        >>> v.lookup("南昌市（青山湖区）"), v.lookup("南昌市(高新区)"), v.lookup("南昌，武汉东湖高新区"), v.lookup("南昌市/东湖区")
        ('nanchang', 'nanchang', None, None)
        """
        for city in sorted(self.cities, key=len, reverse=True):
            rest = key[len(city):]
            if key.startswith(city) and _DISTRICT().match(rest):
                return self.cities[city]
        return None

    def close(self, text: str) -> str | None:
        """A known value ``text`` is probably a misspelling of (electronic_information, electronics)."""
        key = _fold(text)
        dashed = re.sub(r"[\s_]+", "-", key)
        if dashed in self.zh:
            return dashed
        names = list(self.zh) + list(self.aliases)
        found: list[str] = []
        if len(key) >= 4:  # "electronics", "robot": the start of a known value
            found = [k for k in names if len(os.path.commonprefix([key, k])) >= max(4, int(0.6 * len(key)))][:1]
        if not found:  # short words are close to too much by ratio alone ("biotech" ~ "iot")
            found = difflib.get_close_matches(key, names, n=1, cutoff=0.75)
        if not found:
            return None
        return found[0] if found[0] in self.zh else self.aliases[found[0]][0]


#: between a city's name and its district: spaces (read as "-" in a place name), dashes, a middle dot, a bracket
#: (not a list's 、 , / : "南昌，武汉东湖高新区" names two places, and is refused)
_CITY_SEPARATOR = compiled_later(r"(?<=[\u4e00-\u9fff])[\s\-_·・(（]+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])[)）]$")
#: what may follow a city's name in an address and stay inside it: a district, county, zone or town
_DISTRICT = compiled_later(r"^[\u4e00-\u9fff]{0,12}(?:区|县|镇|乡|街道|管理局)$")


#: what only a street address has after its district (a road, a number, a building)
_ADDRESS = re.compile(r"[路街巷弄号楼]|大道|大厦|广场|[0-9]+号")


def district_hint(value: object) -> str:
    """What to add to "no policy for jurisdiction …" when the value reads like a district or county of a city
    (红谷滩区, 武汉市江汉区): "" otherwise.

    >>> district_hint("红谷滩区")[:40]
    ': a district or county is read as its ci'
    >>> district_hint("nanchang"), district_hint("南昌科技")
    ('', '')
    >>> district_hint("江西省南昌市红谷滩区丰和中大道")[:40]
    ': a street address is not read as a plac'
    """
    text = _CITY_SEPARATOR().sub("", unicodedata.normalize("NFKC", str(value)).strip())
    if _ADDRESS.search(text) and re.search(r"[省市区县]", text):  # 江西省南昌市红谷滩区丰和中大道
        return (": a street address is not read as a place: write the city (南昌, 北京市) or the city and its "
                "district (南昌市红谷滩区); the Wuhan measures cover 东湖高新区 (光谷) only, written 武汉东湖高新区")
    if not text or not _DISTRICT().match(text) or len(text) < 2:
        return ""
    return (": a district or county is read as its city where the city's policy covers all of it (write the city "
            "first: 南昌市红谷滩区 is nanchang, 北京市海淀区 beijing); the Wuhan measures cover 东湖高新区 (光谷) only, "
            "written 武汉东湖高新区 or 光谷")


def vocabulary_from(name: str, raw: Mapping[str, Mapping[str, object]]) -> Vocabulary:
    """A vocabulary from its TOML tables: ``[<name>.<value>] zh = "…", aliases = [...]``."""
    zh: dict[str, str] = {}
    aliases: dict[str, list[str]] = {}
    cities: dict[str, str] = {}
    for value, spec in raw.items():
        canon = _fold(value)
        for city in spec.get("city_names", ()):  # type: ignore[union-attr,attr-defined]
            cities[_fold(str(city))] = canon
        names = [str(a) for a in spec.get("aliases", ())]  # type: ignore[union-attr,attr-defined]
        zh[canon] = str(spec.get("zh") or next((a for a in names if _has_cjk(a)), ""))
        for alias in names + ([zh[canon]] if zh[canon] else []):
            key = _fold(alias)
            if key != canon and canon not in aliases.setdefault(key, []):
                aliases[key].append(canon)
    return Vocabulary(name, zh, {k: tuple(v) for k, v in aliases.items()}, loose_dashes=name == "jurisdictions",
                      cities=cities)


#: characters that show as nothing (zero-width space and joiners, word joiner, a BOM inside a cell): copied from a
#: web page or a PDF with a figure, they made "3亿\u200b" an unknown unit '亿\u200b'; at a value's ends they are
#: dropped with the spaces around them (inside one, they stay and are reported)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_INVISIBLE_EDGES = re.compile("^[\\s\u200b\u200c\u200d\u2060\ufeff]+|[\\s\u200b\u200c\u200d\u2060\ufeff]+$")


def has_invisible(text: str) -> bool:
    """Whether ``text`` holds a zero-width character (``_ZERO_WIDTH``)."""
    return _ZERO_WIDTH.search(text) is not None


def visible_part(text: str) -> str:
    """``text`` without the zero-width characters and spaces at its ends."""
    return _INVISIBLE_EDGES.sub("", text)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    title: str = ""
    description: str = ""
    #: another field whose value stands in when this one is missing ("revenue"),
    #: or "reference:<series>" for a dated reference table (the LPR)
    default: str | None = None
    choices: tuple[str, ...] = ()
    declared_by: str = "general"
    #: other names of the field a profile or CSV header may use; the first Chinese one is its Chinese name
    aliases: tuple[str, ...] = ()
    #: the known values of a tags / text field (industries, jurisdictions), with their Chinese names
    vocabulary: Vocabulary | None = field(default=None, compare=False)
    #: which plausibility rules the field takes part in
    scale: Scale | None = None
    #: a fact that only moves on with time (which year of a subsidy period): "what would unlock more" never
    #: advises lowering it
    grows_only: bool = False

    @property
    def zh(self) -> str:
        """The field's Chinese name (its first Chinese alias), or its name when it has none."""
        return next((a for a in self.aliases if _has_cjk(a)), self.name)

    @property
    def kind(self) -> str | None:
        """The expression kind of this field (None: not usable in expressions)."""
        if self.type in (MONEY, COUNT, RATE, YEAR):
            return expr.NUMBER
        if self.type == BOOL:
            return expr.BOOL
        if self.type == TAGS:
            return expr.TAGS
        return None

    def parse(self, value: object, *, csv: bool = False) -> object:
        """A raw TOML/CSV value -> the typed value the engine stores."""
        parser = _PARSERS[self.type]
        if isinstance(value, str) and has_invisible(value):  # invisible: "3亿\u200b" pasted from a web page
            value = visible_part(value)
        if isinstance(value, str) and value.strip().upper() in EXCEL_ERROR_VALUES:  # a CSV saved from the sheet
            raise ValueProblem(excel_error_message(value.strip()))  # (as the .xlsx cell's error value is said)
        parsed = parser(value, csv)
        if self.vocabulary is not None and self.type == TAGS:
            parsed = tuple(dict.fromkeys(self._known_tag(t) for t in self._separated(parsed)))  # type: ignore[arg-type]
        elif self.vocabulary is not None and self.type == TEXT and parsed:
            parsed = self.vocabulary.lookup(parsed) or parsed  # type: ignore[arg-type]
        if self.choices and parsed not in self.choices:
            raise ValueProblem(f"expected one of {', '.join(self.choices)}, got {given(value)}")
        return parsed

    def _separated(self, tags: Sequence[str]) -> list[str]:
        """Tags written 电子信息，LED, 电子信息,LED or 电子信息/LED as the tags they are: a comma or a slash separates them
        too, as ; does, unless the whole item is a known tag (a policy may declare one such as "ai/ml")."""
        assert self.vocabulary is not None
        out: list[str] = []
        for tag in tags:
            parts = [p.strip() for p in re.split(r"[,，/／]", tag) if p.strip()]
            out += [tag] if len(parts) <= 1 or self.vocabulary.lookup(tag) is not None else parts
        return out

    def _known_tag(self, tag: str) -> str:
        """A tag as its canonical value (电子信息 -> electronic-information); a near miss is an error."""
        assert self.vocabulary is not None
        known = self.vocabulary.lookup(tag)
        if known is not None:
            return known
        parts = tag.split()
        if len(parts) > 1 and all(self.vocabulary.lookup(p) is not None for p in parts):
            raise ValueProblem(f"{tag!r} looks like {len(parts)} tags separated by spaces: separate them with ; "
                               f"(or ；, 、, a comma or /), e.g. {';'.join(parts)!r}")
        close = self.vocabulary.close(tag)
        if close is not None:
            raise ValueProblem(f"unknown industry tag {tag!r} (did you mean \"{close}\"?); known: "
                               f"{', '.join(sorted(self.vocabulary.zh))}")
        return tag  # far from every known tag: kept, and the profile gets a warning

    def known_value(self, value: str) -> bool:
        """Whether ``value`` is a value of the field's vocabulary (True when it has none)."""
        return self.vocabulary is None or value in self.vocabulary.zh


def _text(value: object, csv: bool) -> str:
    if not isinstance(value, str) or isinstance(value, NumberText):
        raise ValueProblem(f"expected text, got {given(value)}")
    text = value.strip()
    if len(text) > 500:
        raise ValueProblem("text longer than 500 characters")
    return text


_ITEM_SEPARATORS = str.maketrans({"；": ";", "、": ";", "\n": ";", "\r": ";"})


def _split(value: object, csv: bool) -> list[object]:
    if isinstance(value, list):
        return [visible_part(v) if isinstance(v, str) and has_invisible(v) else v for v in value]
    if isinstance(value, str):
        text = value.strip()
        if not text and not csv:  # (an empty CSV cell never gets here: it is no value, missing_input)
            raise ValueProblem("an empty text is no list: write [] for an empty list (none), or leave the key out when "
                               "it is not known (the clauses that need it then say missing_input)")
        if not text:
            return []
        # ";", the full-width "；", the enumeration comma "、" (电子信息、LED) and a line break (Alt+Enter in a
        # spreadsheet cell: one item a line) separate items; never "," or "，", which group thousands (1,200,000)
        # (each item without the zero-width characters at its ends: "600万;\u200b1200万" pasted from a web page)
        parts = [visible_part(part) for part in text.translate(_ITEM_SEPARATORS).split(";")]
        return [part for part in parts if part]
    raise ValueProblem(f"expected a list, got {given(value)}")


def _money_list(value: object, csv: bool) -> tuple[int, ...]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value]  # one amount is a list of one (one project); a text amount is split below
    items = _split(value, csv)
    if len(items) > 1000:
        raise ValueProblem("more than 1000 items in one list")
    out = []
    for i, item in enumerate(items, 1):
        try:
            out.append(parse_money(item))
        except ValueProblem as exc:
            if isinstance(item, str) and _commas_between_amounts(item.replace("，", ",")):
                # (split between the amounts, never inside one: "1,000,000, 2,000,000" is 1,000,000;2,000,000)
                parts = re.split(r",\s+|，\s*", item) if re.search(r",\s|，", item) else item.split(",")
                raise ValueProblem(f"{item!r} has a comma between amounts: separate a list's amounts with ';' "
                                   f"(\"{';'.join(p.strip() for p in parts)}\"), or '；' or '、'; a comma "
                                   f"only groups thousands (1,200,000)") from None
            raise ValueProblem(f"item {i}: {exc}") from None
    return tuple(out)


def _commas_between_amounts(item: str) -> bool:
    """ "1200万, 600万" or "1200万,600万": commas that cannot be thousands separators, between amounts that each
    read as one (a list written with ',' instead of ';').

    >>> _commas_between_amounts("1200万, 600万"), _commas_between_amounts("1,200,000"), _commas_between_amounts("1,2")
    (True, False, False)
    """
    parts = [p.strip() for p in item.split(",")]
    if len(parts) < 2 or not re.search(r"[^\d\s],|,\s", item.strip()):  # after a unit, or before a space
        return False
    try:
        for p in parts:
            parse_money(p)
    except ValueProblem:
        return False
    return True


def _tags(value: object, csv: bool) -> tuple[str, ...]:
    items = _split(value, csv)
    if isinstance(value, list):  # ["电子信息、软件"]: a list item holding two tags, as a text would
        items = [part for item in items
                 for part in (_split(item, csv) if isinstance(item, str) and item.strip() else [item])]
    if len(items) > 50:
        raise ValueProblem("more than 50 tags")
    out = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValueProblem(f"expected tags as text, got {item!r}")
        out.append(item.strip().lower())
    return tuple(out)


def _rate_units(value: object, csv: bool) -> int:
    return int(parse_rate(value) * RATE_DENOMINATOR)


_PARSERS: dict[str, Callable[[object, bool], object]] = {
    MONEY: lambda v, csv: parse_money(v),
    MONEY_LIST: _money_list,
    COUNT: lambda v, csv: parse_count(v),
    BOOL: lambda v, csv: parse_bool(v),
    RATE: _rate_units,
    YEAR: lambda v, csv: parse_year(v),
    TEXT: _text,
    TAGS: _tags,
}


@dataclass(frozen=True)
class Registry:
    """All known fields: the general ones and every loaded policy's."""

    fields: dict[str, Field] = field(default_factory=dict)
    #: output column -> its Chinese heading (``[columns]`` of policies/vocabulary/vocabulary.toml)
    columns_zh: Mapping[str, str] = field(default_factory=dict, compare=False)
    #: the vocabularies fields may declare (``vocabulary = "industries"``)
    vocabularies: Mapping[str, Vocabulary] = field(default_factory=dict, compare=False)

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Every name a field may be given by (its own and its aliases, folded) -> the field's name."""
        out: dict[str, str] = {}
        for f in self.fields.values():
            for alias in f.aliases:
                out.setdefault(_fold(alias), f.name)
        for name in self.fields:
            out[name] = name
        return out

    def resolve(self, key: str) -> str | None:
        """The field a profile key or CSV header names: its name or one of its aliases (营业收入 -> revenue)."""
        if key in self.fields:
            return key
        return self.aliases.get(_fold(key))

    def __contains__(self, name: str) -> bool:
        return name in self.fields

    def __getitem__(self, name: str) -> Field:
        return self.fields[name]

    def get(self, name: str) -> Field | None:
        return self.fields.get(name)

    def kind_of(self, name: str) -> str | None:
        f = self.fields.get(name)
        return f.kind if f else None

    def suggest(self, name: str, strict: bool = False) -> str:
        """ ' (did you mean "revenue"?)' or '' (also for a Chinese name: 营业收 or 营业额 -> "营业收入" (revenue)).

        ``strict``: the same bar for Chinese names as for ASCII ones (0.6), for deciding whether a heading is a
        typo of a field or a sheet's own column (注册地址（详细） is no typo of 注册地)."""
        close = difflib.get_close_matches(name, list(self.fields), n=1, cutoff=0.6)
        if not close:
            lowered = {k.lower(): k for k in self.fields}
            if name.lower() in lowered:
                close = [lowered[name.lower()]]
        if not close:
            # a Chinese name shares fewer characters with its alias (营业额 ~ 营业收入: 4 of 7), so a lower bar
            cutoff = 0.6 if name.isascii() or strict else 0.5
            alias = difflib.get_close_matches(_fold(name), [a for a in self.aliases if a not in self.fields],
                                              n=1, cutoff=cutoff)
            if alias:
                return f' (did you mean "{alias[0]}", that is {self.aliases[alias[0]]}?)'
        return f' (did you mean "{close[0]}"?)' if close else ""

    def merged(self, extra: Iterable[Field]) -> Registry:
        out = dict(self.fields)
        for f in extra:
            out.setdefault(f.name, f)
        return Registry(out, self.columns_zh, self.vocabularies)

    def with_known_tags(self, tags: Iterable[str]) -> Registry:
        """The registry whose tag fields also know ``tags`` (every loaded policy's ``industries``)."""
        tags = tuple(tags)
        out = {name: replace(f, vocabulary=f.vocabulary.with_values(tags))
               if f.type == TAGS and f.vocabulary is not None else f for name, f in self.fields.items()}
        return Registry(out, self.columns_zh, self.vocabularies)

    def label(self, name: str, lang: Lang) -> str:
        """The heading of a field or output column in ``lang`` (``revenue`` -> 营业收入, ``total`` -> 合计)."""
        if lang is not Lang.ZH:
            return name
        f = self.fields.get(name)
        if f is not None:
            return f.zh
        if name in self.columns_zh:
            return self.columns_zh[name]
        for suffix in ("_status",):  # <clause>_status columns of the wide batch layout
            if name.endswith(suffix) and suffix[1:] in self.columns_zh:
                return name[:-len(suffix)] + "_" + self.columns_zh[suffix[1:]]
        return name


class Lang(str, enum.Enum):
    """The language of output headings and labels (JSON keys never change)."""

    EN = "en"
    ZH = "zh"


#: the environment variable that sets the output language (``--lang`` wins over it)
ENV_LANG = "INCENTIVES_LANG"


def output_lang(option: str | None = None, environ: Mapping[str, str] | None = None) -> Lang:
    """``--lang`` if given, else $INCENTIVES_LANG, else English; zh, zh-CN, zh_CN.UTF-8 … are Chinese.

    >>> output_lang("zh"), output_lang(None, {"INCENTIVES_LANG": "zh_CN.UTF-8"}), output_lang(None, {})
    (<Lang.ZH: 'zh'>, <Lang.ZH: 'zh'>, <Lang.EN: 'en'>)
    """
    text = option if option is not None else (os.environ if environ is None else environ).get(ENV_LANG, "")
    text = text.strip().lower()
    if not text or text.startswith("en"):
        return Lang.EN
    if text.startswith("zh"):
        return Lang.ZH
    raise ValueProblem(f"unknown language {text!r}; expected en or zh")
