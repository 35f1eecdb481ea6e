"""A labelled set for matchmaking recommendations, written by hand (see offers.py and
participants.py): 150 offering profiles and 65 participants whose needs are graded against
them (3: exactly what they asked for; 2: strongly related; 1: worth a look; 0 otherwise,
left out). bench/recommend.py and tests/unit/test_recommend_quality.py read it."""

from tests.matchmaking_labels.offers import OFFERS
from tests.matchmaking_labels.participants import PARTICIPANTS

__all__ = ["OFFERS", "PARTICIPANTS"]
