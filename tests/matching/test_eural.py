from __future__ import annotations

import pytest

from matching.eural import default_suggester, load_entries


@pytest.mark.parametrize(
    ("material", "codes"),
    [
        ("betongranulaat", {"17 01 01"}),
        ("houten kozijnen", {"17 02 01"}),
        ("gipsplaten", {"17 08 02"}),
        ("glas", {"17 02 02"}),
        ("koperen kabels", {"17 04 11", "17 04 01"}),
        ("asfalt", {"17 03 02"}),
        ("isolatiemateriaal", {"17 06 04"}),
        ("dakgrind", {"17 05 04"}),
        ("bakstenen", {"17 01 02"}),
        ("stalen balken", {"17 04 05"}),
        ("betonnen kanaalplaatvloeren", {"17 01 01"}),
        ("koperen leidingen", {"17 04 01"}),
        ("houten vloerdelen", {"17 02 01"}),  # was 15 01 03, wooden packaging, in the demo passport
        ("systeemplafonds (minerale wol)", {"17 06 04"}),  # was 01 01 01, mining waste
    ],
)
def test_common_building_materials_get_their_code_first(material, codes):
    assert default_suggester().suggest(material)[0].entry.code in codes


def test_the_text_around_the_material_can_tip_the_choice():
    suggester = default_suggester()
    plain = suggester.suggest("hout")[0].entry.code
    packaging = suggester.suggest("hout", "pallets en houten verpakking van de bouwplaats")[0].entry.code
    assert (plain, packaging) == ("17 02 01", "15 01 03")


def test_hazardous_words_pick_the_hazardous_variant():
    assert default_suggester().suggest("asbesthoudend isolatiemateriaal")[0].entry.code == "17 06 01"


def test_words_the_list_does_not_know_give_no_suggestion():
    assert default_suggester().suggest("xyzzy qwerty") == []


def test_the_shipped_list_has_every_six_digit_code_with_a_group():
    entries = load_entries()
    assert len(entries) == 842
    by_code = {entry.code: entry for entry in entries}
    assert by_code["17 01 01"].description == "beton"
    assert by_code["17 01 01"].group == "17 01"
    assert by_code["01 03 10"].description.startswith("Red mud")  # added in 2014: English only
