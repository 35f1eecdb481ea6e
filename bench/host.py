"""The booth host (host/): how well it answers the demo booths' hand-written questions, and how
fast it answers with 300 booths' material indexed. No server, no database.

Quality: the demo booths' material built in memory as the demo seeds it, asked every question
of tests/host_questions/ (host/evaluation.py, the same run tests/unit/test_host_eval.py
asserts), plus the sweep of confidence thresholds the default was chosen from.

Latency: 300 synthetic booths (each a description, 8 products, 4 releases and a 6-page
document of text drawn from the expo's vocabulary, both languages) are indexed next to the
demo's; questions drawn from the demo set and from the synthetic texts are asked of random
booths, one at a time, timed with perf_counter (the
tokenizer's caches emptied before each, so no question is read from a cache).

    PYTHONPATH=. python bench/host.py            # JSON to bench/results/host-<UTC>.json
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from expo.hall.models import Product, Release, ReleaseState  # noqa: E402
from host.answer import THRESHOLD, answer  # noqa: E402
from host.evaluation import demo_material, evaluate, indexes, load_questions  # noqa: E402
from host.index import BoothIndex, build_index, clear_caches  # noqa: E402
from host.passages import BoothMaterial, Document, passages  # noqa: E402

RESULTS = Path(__file__).parent / "results"
BOOTHS = 300
ASKS = 3000

ZH = ["东数西算", "算力调度", "数据中心", "液冷服务器", "数据要素", "交易撮合", "数据安全",
      "攻防演练", "标识解析", "工业互联网", "云渲染", "一网统管", "健康档案", "货运撮合",
      "数字孪生", "个人数据", "区块链", "智能终端", "国产数据库", "边缘计算",
      "隐私计算"]  # fmt: skip
EN = ["compute scheduling", "data centre", "liquid cooling", "data assets", "trade matching",
      "data security", "red-team drills", "identifier resolution", "industrial internet",
      "cloud rendering", "city operations", "health records", "freight matching",
      "digital twins", "personal data", "blockchain", "smart terminals", "domestic databases",
      "edge computing", "privacy computing"]  # fmt: skip
ZH_VERBS = ["提供", "支持", "覆盖", "降低", "提升", "连接", "管理", "优化"]
EN_VERBS = ["provides", "supports", "covers", "lowers", "raises", "connects", "manages"]


def _zh(rng: random.Random) -> str:
    a, b = rng.sample(ZH, 2)
    return f"{a}{rng.choice(ZH_VERBS)}{b}，效率提升{rng.randint(5, 95)}%。"


def _en(rng: random.Random) -> str:
    a, b = rng.sample(EN, 2)
    return f"Our {a} {rng.choice(EN_VERBS)} {b}, {rng.randint(5, 95)}% faster."


def synthetic(number: int, rng: random.Random) -> BoothMaterial:
    base = 100_000 * number
    products = [
        Product(id=base + i, exhibitor_id=number, name_zh=rng.choice(ZH) + "平台",
                name_en=rng.choice(EN).title() + " Suite",
                description_zh=_zh(rng) + _zh(rng), description_en=_en(rng) + " " + _en(rng))
        for i in range(8)
    ]  # fmt: skip
    releases = [
        Release(id=base + 50 + i, exhibitor_id=number, state=ReleaseState.PUBLISHED,
                title_zh=rng.choice(ZH) + "新品发布", title_en="Launch: " + rng.choice(EN),
                summary_zh=_zh(rng), summary_en=_en(rng),
                body_zh="\n".join(_zh(rng) for _ in range(6)),
                body_en="\n".join(_en(rng) for _ in range(6)))
        for i in range(4)
    ]  # fmt: skip
    pages = tuple(
        "\n".join((_zh(rng) if line % 2 else _en(rng)) for line in range(20)) for _ in range(6)
    )
    return BoothMaterial(
        exhibitor_id=number, name_zh=f"展商{number}", name_en=f"Exhibitor {number}",
        description_zh=_zh(rng) + _zh(rng), description_en=_en(rng) + " " + _en(rng),
        products=products, releases=releases,
        documents=(Document(base + 90, "白皮书", "White paper", pages),),
    )  # fmt: skip


def main() -> None:
    rng = random.Random(15)
    started = time.perf_counter()
    demo = indexes(demo_material())
    report = evaluate(THRESHOLD, demo)
    sweep = {
        f"{t:.2f}": {
            "answered_right": round(r.right_share, 3),
            "declined": round(r.declined_share, 3),
            "uncited": r.uncited,
        }
        for t in (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)
        for r in [evaluate(t, demo)]
    }
    built = time.perf_counter()
    booths: list[BoothIndex] = list(demo.values())
    count = 0
    for number in range(100, 100 + BOOTHS):
        found = passages(synthetic(number, rng))
        count += len(found)
        booths.append(build_index(found))
    build_seconds = time.perf_counter() - built
    questions = [q["q"] for qs in load_questions().values() for q in qs]
    questions += [f"{rng.choice(ZH)}能{rng.choice(ZH_VERBS)}什么？" for _ in range(50)]
    questions += [f"Does your {rng.choice(EN)} support {rng.choice(EN)}?" for _ in range(50)]
    for q in questions[:50]:  # warm jieba's caches and numpy
        answer(booths[0], q)
    times: list[float] = []
    for _ in range(ASKS):
        index, question = rng.choice(booths), rng.choice(questions)
        clear_caches()  # every question read afresh, as a visitor's new question is
        t0 = time.perf_counter()
        answer(index, question)
        times.append((time.perf_counter() - t0) * 1000)
    quantiles = statistics.quantiles(times, n=100)
    figures = {
        "threshold": THRESHOLD,
        "answerable": report.answerable,
        "answered_right_pct": round(100 * report.right_share, 1),
        "answers_without_citation": report.uncited,
        "unanswerable": report.unanswerable,
        "unanswerable_declined_pct": round(100 * report.declined_share, 1),
        "booths_indexed": len(booths),
        "passages_indexed": count + sum(len(b.passages) for b in demo.values()),
        "index_build_ms_per_booth": round(1000 * build_seconds / BOOTHS, 2),
        "answers_timed": ASKS,
        "latency_ms_p50": round(quantiles[49], 3),
        "latency_ms_p95": round(quantiles[94], 3),
        "latency_ms_max": round(max(times), 3),
        "threshold_sweep": sweep,
        "misses": [
            {
                "booth": o.booth,
                "q": o.question["q"],
                "declined": o.answer.declined,
                "confidence": round(o.answer.confidence, 2),
                "said": [s.text for s in o.answer.sentences],
            }
            for o in report.misses()
        ],  # fmt: skip
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(f"answerable answered with the right passage: {figures['answered_right_pct']}% "
          f"of {report.answerable}")  # fmt: skip
    print(f"answers without a citation: {report.uncited}")
    print(f"unanswerable declined: {figures['unanswerable_declined_pct']}% "
          f"of {report.unanswerable}")  # fmt: skip
    print(f"latency with {len(booths)} booths ({figures['passages_indexed']} passages) indexed: "
          f"p50 {figures['latency_ms_p50']} ms, p95 {figures['latency_ms_p95']} ms; "
          f"build {figures['index_build_ms_per_booth']} ms per booth")  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"host-{stamp}.json"
    path.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
