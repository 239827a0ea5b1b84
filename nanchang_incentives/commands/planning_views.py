"""The planning parts of ``calc`` and ``compare``: --set (what-if) and "What would unlock more" (headroom)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .. import api
from ..cli_options import Format
from ..engine import Options
from ..policy import Catalog, Policy
from ..profile import Profile
from ..render import planning as views
from ..render.terminal import Terminal
from ..trace import PolicyResult


def calc_headroom(term: Terminal, fmt: Format, profile: Profile, results: Sequence[PolicyResult], catalog: Catalog,
                  options: Options, report: Callable[[], None]) -> None:
    """calc's report followed by its headroom; JSON: the SPEC §8 document with ``headroom`` in each result."""
    rooms = api.headroom(profile, catalog, [r.policy for r in results], options, results)
    if fmt == Format.json:
        from ..render.json import document

        doc = document(profile.name, results[0].year, results)
        for d, room in zip(doc["results"], rooms):
            d["headroom"] = views.headroom_dicts(room)
        term.write(_json_dumps(doc))
        return
    report()
    if fmt == Format.markdown:
        term.write("\n" + views.headroom_markdown(rooms, term.lang), end="")
    else:
        views.print_headroom(rooms, term.out, term.lang)


def calc_what_if(term: Terminal, fmt: Format, profile: Profile, settings: Sequence[str],
                 chosen: Sequence[Policy] | None, catalog: Catalog, options: Options) -> None:
    """calc --set: each clause base → new with the reason, the totals, then the changed profile's headroom."""
    w = api.what_if(profile, list(settings), catalog, chosen or None, options)
    rooms = api.headroom(w.changed, catalog, [r.policy for r in w.new], options, w.new)
    if fmt == Format.json:
        doc = views.what_if_dict(w)
        for d, room in zip(doc["new"], rooms):
            d["headroom"] = views.headroom_dicts(room)
        term.write(_json_dumps(doc))
    elif fmt == Format.markdown:
        term.write(views.what_if_markdown(w, lang=term.lang) + "\n" + views.headroom_markdown(rooms, term.lang), end="")
    else:
        views.print_what_if(w, term.out, lang=term.lang)
        views.print_headroom(rooms, term.out, term.lang)


def compare_what_if(term: Terminal, fmt: Format, profile: Profile, settings: Sequence[str], cities: Sequence[str],
                    catalog: Catalog, options: Options) -> None:
    """compare --set: per city, each clause base → new with the reason (the company relocated there)."""
    chosen = list(cities) or api.default_cities(catalog)
    found = [api.what_if(api.relocated(profile, city), list(settings), catalog, None, options) for city in chosen]
    if fmt == Format.json:
        what_ifs = [dict(views.what_if_dict(w), city=city) for w, city in zip(found, chosen)]
        # as compare's own JSON (SPEC §8: one ``results`` entry per city), for the changed profile
        term.write(_json_dumps({"company": profile.name, "year": what_ifs[0]["year"] if what_ifs else None,
                               "results": [r for d in what_ifs for r in d["new"]], "cities": chosen,
                               "what_if": what_ifs}))
    elif fmt == Format.markdown:
        term.write("".join(f"\n<!-- {city} -->\n" + views.what_if_markdown(w, unread=False, lang=term.lang)
                           for w, city in zip(found, chosen)), end="")
    else:
        for k, (w, city) in enumerate(zip(found, chosen)):
            if k:
                term.out.rule()
            term.out.print(f"{city}", style="bold")
            views.print_what_if(w, term.out, unread=False, lang=term.lang)


def _json_dumps(doc: object) -> str:
    from ..text import json_text  # (only for --format json)

    return json_text(doc)
