"""The recommendation scorer (matchmaking/recommend.py) and how it reads text
(recommend_text.py): Chinese segmented, never split at whitespace; English stemmed; the two
languages meeting through the bilingual vocabulary; exclusions; the reason line."""

from __future__ import annotations

import pytest

from matchmaking.recommend import Profile, build, recommend
from matchmaking.recommend_text import clauses, concepts, features, stem


def ids(index, who, k=10, exclude=()):
    return [r.id for r in recommend(index, who, k, exclude)]


def test_chinese_is_segmented_so_a_word_is_found_inside_a_longer_one():
    index = build(
        [
            Profile("me", ("buy",), (), need="算力"),
            Profile("scheduler", ("sell",), (), offer="算力调度服务"),
            Profile("helmets", ("sell",), (), offer="劳保用品批发"),
        ]
    )
    assert ids(index, "me") == ["scheduler"]
    assert "w:算力" in features("算力调度服务")


def test_whitespace_never_makes_chinese_tokens():
    # A sentence with no spaces is not one token; spaces inside Chinese change nothing.
    read = features("数据交易撮合服务")
    assert "w:数据交易撮合服务" not in read and {"w:数据", "w:交易", "w:撮合"} <= set(read)
    assert all(" " not in f for f in features("数据 交易 平台, data trading"))
    assert set(features("数据交易 平台")) >= {"w:数据", "w:交易", "w:平台"}
    index = build(
        [
            Profile("me", ("buy",), (), need="数据交易"),
            Profile("broker", ("sell",), (), offer="数据交易撮合服务"),
        ]
    )
    assert ids(index, "me") == ["broker"]


def test_english_words_are_stemmed():
    assert stem("servers") == stem("server") and stem("trading") == stem("trade")
    assert stem("services") == stem("service")
    assert features("GPU Servers")["e:" + stem("server")] == 1


MAKER = "冷板式液冷服务器整机柜交付"


def test_an_english_need_meets_a_chinese_offer_through_the_vocabulary():
    index = build(
        [
            Profile("buyer", ("buy",), (), need="liquid cooling servers", languages=("en",)),
            Profile("maker", ("sell",), (), offer=MAKER, languages=("zh", "en")),
            Profile("cold-store", ("sell",), (), offer="冷库制冷设备安装", languages=("zh",)),
        ]
    )
    found = recommend(index, "buyer", 5)
    assert [r.id for r in found] == ["maker"]
    assert "liquid-cooling" in concepts("冷板式液冷服务器") & concepts("liquid cooling")
    assert found[0].reason == {
        "zh": f"你的需求「liquid cooling servers」↔ 对方提供「{MAKER}」 · 采购 ↔ 销售",
        "en": f"Your need “liquid cooling servers” ↔ their offer “{MAKER}” · buy ↔ sell",
    }


def test_a_shared_word_of_another_meaning_ranks_below_the_real_match():
    index = build(
        [
            Profile("me", ("buy",), ("data-trading",), need="数据交易平台"),
            Profile("cars", ("sell",), ("logistics",), offer="二手车交易平台与车辆检测"),
            Profile("data", ("sell",), ("data-trading",), offer="数据交易撮合服务，数据产品登记"),
        ]
    )
    assert ids(index, "me")[0] == "data"


def test_oneself_colleagues_invisible_and_excluded_people_are_never_recommended():
    offer = "数据安全合规评估"
    index = build(
        [
            Profile("me", ("buy",), ("data-security",), offer=offer, need=offer, exhibitor=1),
            Profile("colleague", ("sell",), ("data-security",), offer=offer, exhibitor=1),
            Profile("other-firm", ("sell",), ("data-security",), offer=offer, exhibitor=2),
            Profile("invisible", ("sell",), ("data-security",), offer=offer, visible=False),
            Profile("hidden", ("sell",), ("data-security",), offer=offer),
            Profile("blocked", ("sell",), ("data-security",), offer=offer),
            Profile("attendee", ("sell",), ("data-security",), offer=offer),
        ]
    )
    assert ids(index, "me", exclude={"hidden", "blocked", "nobody"}) == ["other-firm", "attendee"]
    # The invisible person still gets their own recommendations; others never see them.
    assert "invisible" not in ids(index, "attendee")
    assert ids(index, "invisible", exclude={"hidden", "blocked"})


def test_an_empty_profile_or_an_unknown_id_gets_nothing():
    index = build([Profile("empty"), Profile("x", ("sell",), ("ai",), offer="大模型")])
    assert recommend(index, "empty") == [] and recommend(index, "nobody") == []
    assert recommend(index, "x", k=0) == []


def test_reasons_fall_back_to_the_reverse_direction_then_to_shared_industries():
    index = build(
        [
            Profile("me", ("sell",), ("ai",), offer="数据标注服务"),
            Profile("lab", ("buy",), ("ai",), need="需要数据标注与语料"),
            Profile("peer", ("partner",), ("ai", "cloud"), offer="机器人底盘"),
        ]
    )
    found = {r.id: r for r in recommend(index, "me")}
    zh = found["lab"].reason["zh"]
    assert zh.startswith("你提供「数据标注服务」↔ 对方需要「需要数据标注与语料」")
    assert found["lab"].reason["en"].startswith("Your offer “数据标注服务” ↔ their need")
    assert found["peer"].reason == {"zh": "同属行业：人工智能", "en": "Shared industries: AI"}
    assert found["lab"].score > found["peer"].score


def test_intents_only_boost_and_a_common_language_counts():
    text = "区块链溯源"
    index = build(
        [
            Profile("me", ("buy",), (), need=text, languages=("en",)),
            Profile("seller", ("sell",), (), offer=text, languages=("en",)),
            Profile("buyer", ("buy",), (), offer=text, languages=("en",)),
            Profile("zh-only", ("sell",), (), offer=text, languages=("zh",)),
            Profile("intent-only", ("sell",), ("ai",), offer="机器人", languages=("en",)),
        ]
    )
    found = {r.id: r.score for r in recommend(index, "me")}
    # Same text: the complementary intent lifts the seller above the other buyer, no common
    # language lowers the same seller; an intent alone recommends nobody.
    assert set(found) == {"seller", "buyer", "zh-only"}
    assert found["seller"] > found["buyer"] and found["seller"] > found["zh-only"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("数据交易平台，合规审查；data trading", ["数据交易平台", "合规审查", "data trading"]),
        ("Cloud ERP. Payroll, inventory", ["Cloud ERP", "Payroll", "inventory"]),
        ("", []),
    ],
)
def test_clauses_split_at_punctuation_of_either_script(text, expected):
    assert clauses(text) == expected


def test_a_long_text_is_quoted_short_in_the_reason():
    need = "我们需要一个能够覆盖西南地区所有数据中心的液冷服务器交付与运维团队，越快越好"
    index = build(
        [
            Profile("me", ("buy",), (), need=need),
            Profile("maker", ("sell",), (), offer="液冷服务器"),
        ]
    )
    reason = recommend(index, "me")[0].reason["zh"]
    assert "…" in reason and len(reason) < 70
