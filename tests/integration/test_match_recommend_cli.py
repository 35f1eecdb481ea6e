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


def test_prints_each_participants_top_k_as_the_app_scores_them(tmp_path: Path):
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
        ('[{"id": 1}, {"id": 1}]', "appears twice"),
        ('[{"id": 1, "intents": ["shop"]}]', "unknown intents"),
        ('[{"id": 1, "offer": 5}]', "`offer` must be a string"),
        ('[{"id": 1, "need": "' + "x" * 501 + '"}]', "longer than 500"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(tmp_path: Path, content: str, message: str):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    done = run(str(path))
    assert (done.returncode, done.stdout) == (2, "")
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_missing_file_and_a_bad_k_are_refused(tmp_path: Path):
    missing = run(str(tmp_path / "nowhere.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    path = tmp_path / "ok.json"
    path.write_text("[]", encoding="utf-8")
    assert run(str(path), "-k", "0").returncode == 2
    assert run(str(path), "-k", "51").returncode == 2
    empty = run(str(path))
    assert (empty.returncode, json.loads(empty.stdout)) == (0, {})
