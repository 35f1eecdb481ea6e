"""`expo match recommend PROFILES.json [-k N]` as people run it: a real process, JSON out,
clear refusals of bad input (status 2, a message on stderr, nothing on stdout)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from matchmaking.recommend import build, profile_of, recommend
from tests.matchmaking_labels import OFFERS, PARTICIPANTS


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "expo.cli", "match", "recommend", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_prints_each_participants_top_k_as_the_app_scores_them(tmp_path: Path) -> None:
    asking = [{k: v for k, v in p.items() if k != "relevant"} for p in PARTICIPANTS[:5]]
    people = OFFERS[:40] + asking
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")
    done = run(str(path), "-k", "3")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert set(answer) == {p["id"] for p in people}
    index = build([profile_of(p) for p in people])
    for p in people:
        expected = recommend(index, p["id"], 3)
        assert [(r["id"], r["score"]) for r in answer[p["id"]]] == [
            (r.id, r.score) for r in expected
        ]
        assert all(set(r["reason"]) == {"zh", "en"} for r in answer[p["id"]])
    # "A data trading platform...": offers of data trading first, in either language.
    assert all(r["id"].startswith("dt") for r in answer["p01"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('[{"intents": ["buy"]}]', "`id` must be"),
        ('[{"id": 1}, {"id": 1}]', 'profile 1: id "1" is used twice'),
        ('[{"id": 1, "intents": ["shop"]}]', "unknown intents"),
        ('[{"id": 1, "offer": 5}]', "`offer` must be a string"),
        ('[{"id": 1, "need": "' + "x" * 501 + '"}]', "longer than 500"),
        # 3 and "3" would both print under the key "3": one list would be lost.
        ('[{"id": 3}, {"id": "3"}]', 'profile 1: id "3" is used twice'),
        ('[{"id": 1, "visible": "no"}]', "profile 0: `visible` must be true or false"),
        ('[{"id": 1, "visible": 0}]', "`visible` must be true or false"),
        ('[{"id": 1, "industries": "ai"}]', "`industries` must be a list of strings"),
        ('[{"id": 1, "languages": ["zh", 7]}]', "`languages` must be a list of strings"),
        ('[{"id": 1, "intents": null}]', "`intents` must be a list of strings"),
        ('[{"id": 1, "offer": null}]', "`offer` must be a string"),
        ('[{"id": 1, "industries": ["' + "x" * 101 + '"]}]', "longer than 100"),
        ('[{"id": 1, "languages": ' + json.dumps(["zh"] * 51) + "}]", "more than 50"),
        ('[{"id": "' + "x" * 201 + '"}]', "`id` must be"),
        ('[{"id": 1.5}]', "`id` must be"),
        ('[{"id": 1, "exhibitor": true}]', "`exhibitor` must be"),
        ('[{"id": 1, "industry": ["ai"]}]', "profile 0: unknown field `industry`"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    done = run(str(path))
    assert (done.returncode, done.stdout) == (2, "")
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_missing_file_and_a_bad_k_are_refused(tmp_path: Path) -> None:
    missing = run(str(tmp_path / "nowhere.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    path = tmp_path / "ok.json"
    path.write_text("[]", encoding="utf-8")
    assert run(str(path), "-k", "0").returncode == 2
    assert run(str(path), "-k", "51").returncode == 2
    empty = run(str(path))
    assert (empty.returncode, json.loads(empty.stdout)) == (0, {})


def test_one_exhibitor_written_as_3_and_as_a_text_is_one_booth(tmp_path: Path) -> None:
    colleagues = [
        {"id": "a", "exhibitor": 3, "industries": ["ai"]},
        {"id": "b", "exhibitor": "3", "industries": ["ai"]},
        {"id": "c", "industries": ["ai"]},
    ]
    path = tmp_path / "colleagues.json"
    path.write_text(json.dumps(colleagues), encoding="utf-8")
    done = run(str(path))
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    # Colleagues never meet each other, yet both still get the outsider who shares an industry.
    assert [[r["id"] for r in answer[p]] for p in "ab"] == [["c"], ["c"]]
