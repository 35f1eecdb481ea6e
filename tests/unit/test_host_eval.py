"""The host's quality on the demo booths' hand-written questions (host/evaluation.py; the same
run bench/host.py prints): the figures issue 15 asks for, never timings."""

from __future__ import annotations

from host.evaluation import demo_material, evaluate, load_questions


def test_every_demo_booth_has_its_questions() -> None:
    questions = load_questions()
    assert set(questions) == set(demo_material())
    for name, asked in questions.items():
        answerable = [q for q in asked if not q.get("unanswerable")]
        unanswerable = [q for q in asked if q.get("unanswerable")]
        assert len(answerable) >= 8, name
        assert len(unanswerable) >= 4, name
        assert {q["lang"] for q in answerable} == {"zh", "en"}, name
        assert {q["lang"] for q in unanswerable} == {"zh", "en"}, name


def test_quality_on_the_demo_booths() -> None:
    report = evaluate()
    assert report.answerable >= 96 and report.unanswerable >= 48
    assert report.right_share >= 0.80, [o.question["q"] for o in report.misses()]
    assert report.uncited == 0
    assert report.declined_share >= 0.90, [o.question["q"] for o in report.misses()]
