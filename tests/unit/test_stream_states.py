"""A room's stream states (streams/domain.py `transition`): live, interrupted, offline, the
backup publisher standing by and taking over, staleness, the grace, key rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.domain import (
    STALE_AFTER,
    Done,
    Publish,
    Rotated,
    State,
    Stream,
    Tick,
    role_of,
    state_view,
    transition,
)
from streams.keys import Which

T0 = datetime(2026, 12, 5, 10, tzinfo=UTC)
S = timedelta(seconds=1)
GRACE = timedelta(seconds=60)
MAIN, BACKUP = Which.MAIN, Which.BACKUP


def live(which: Which = MAIN, cid: str = "1", at: datetime = T0) -> Stream:
    return Stream(State.LIVE, since=at, publisher=which, client_id=cid, seen_at=at)


def with_standby(cid: str = "2", at: datetime = T0) -> Stream:
    return transition(live(), Publish(BACKUP, cid, at))


def test_publish_main_turns_an_offline_room_live():
    after = transition(Stream(), Publish(MAIN, "1", T0))
    assert after == live()
    assert role_of(after, "1") == "live"


def test_publish_backup_turns_an_offline_room_live_with_the_backup():
    assert transition(Stream(), Publish(BACKUP, "1", T0)) == live(BACKUP)


def test_nginx_asking_again_about_its_publisher_changes_nothing():
    assert transition(live(), Publish(MAIN, "1", T0 + S)) == live()


def test_a_second_publisher_with_the_same_key_is_refused():
    after = transition(live(), Publish(MAIN, "9", T0 + S))
    assert after == live() and role_of(after, "9") is None


def test_publish_backup_while_main_is_live_stands_by():
    after = with_standby()
    assert after == Stream(
        State.LIVE, T0, None, MAIN, "1", T0, standby_client_id="2", standby_seen_at=T0
    )
    assert role_of(after, "2") == "standby"
    assert after.public() == live().public()  # viewers see no change


def test_a_second_backup_while_one_stands_by_is_refused():
    after = transition(with_standby(), Publish(BACKUP, "3", T0 + S))
    assert after == with_standby() and role_of(after, "3") is None


def test_done_main_with_a_standby_hands_over_to_the_backup_without_interruption():
    after = transition(with_standby(), Done("1", T0 + 5 * S))
    assert after == Stream(State.LIVE, T0, None, BACKUP, "2", T0)


def test_done_main_alone_interrupts_the_room_keeping_the_session():
    after = transition(live(), Done("1", T0 + 5 * S))
    assert after == Stream(State.INTERRUPTED, since=T0, interrupted_since=T0 + 5 * S)


def test_done_backup_standing_by_is_forgotten():
    assert transition(with_standby(), Done("2", T0 + S)) == live()


def test_done_backup_on_air_interrupts():
    after = transition(live(BACKUP, "2"), Done("2", T0 + S))
    assert after == Stream(State.INTERRUPTED, since=T0, interrupted_since=T0 + S)


def test_done_of_a_publisher_the_room_does_not_hold_changes_nothing():
    assert transition(live(), Done("9", T0 + S)) == live()
    assert transition(Stream(), Done("1", T0)) == Stream()


def test_main_back_within_the_grace_is_live_again_in_the_same_session():
    interrupted = transition(live(), Done("1", T0 + 5 * S))
    after = transition(interrupted, Publish(MAIN, "3", T0 + 20 * S))
    assert after == Stream(State.LIVE, T0, None, MAIN, "3", T0 + 20 * S)


def test_the_backup_back_within_the_grace_is_live_too():
    interrupted = transition(live(), Done("1", T0 + 5 * S))
    after = transition(interrupted, Publish(BACKUP, "3", T0 + 20 * S))
    assert after == Stream(State.LIVE, T0, None, BACKUP, "3", T0 + 20 * S)


def test_main_back_while_the_backup_is_on_air_takes_over_and_the_backup_stands_by():
    on_backup = transition(with_standby(), Done("1", T0 + 5 * S))
    after = transition(on_backup, Publish(MAIN, "3", T0 + 8 * S))
    assert after == Stream(State.LIVE, T0, None, MAIN, "3", T0 + 8 * S, "2", T0)


def test_grace_expiry_ends_an_interruption_offline():
    interrupted = transition(live(), Done("1", T0))
    assert transition(interrupted, Tick(T0 + GRACE - S, GRACE)) == interrupted
    assert transition(interrupted, Tick(T0 + GRACE, GRACE)) == Stream()


def test_offline_then_a_publish_starts_a_new_session():
    after = transition(Stream(), Publish(MAIN, "5", T0 + GRACE * 2))
    assert after.since == T0 + GRACE * 2


def test_stale_main_is_lost_to_the_standby_or_interrupted():
    later = T0 + STALE_AFTER + S
    fresh_standby = transition(live(), Publish(BACKUP, "2", later - S))
    assert transition(fresh_standby, Tick(later)) == Stream(
        State.LIVE, T0, None, BACKUP, "2", later - S
    )
    assert transition(live(), Tick(later)) == Stream(
        State.INTERRUPTED, since=T0, interrupted_since=later
    )


def test_a_stale_standby_is_forgotten_and_never_takes_over():
    later = T0 + STALE_AFTER + S
    fresh_main = Stream(State.LIVE, T0, None, MAIN, "1", later, "2", T0)
    assert transition(fresh_main, Tick(later)) == Stream(State.LIVE, T0, None, MAIN, "1", later)
    stale_both = Stream(State.LIVE, T0, None, MAIN, "1", T0, "2", T0)
    assert transition(stale_both, Tick(later)).state == State.INTERRUPTED


def test_a_recent_publisher_is_not_stale():
    assert transition(with_standby(), Tick(T0 + STALE_AFTER)) == with_standby()


def test_a_new_publisher_takes_a_room_whose_publisher_went_stale():
    after = transition(live(), Publish(MAIN, "7", T0 + STALE_AFTER + S))
    assert after == Stream(State.LIVE, T0, None, MAIN, "7", T0 + STALE_AFTER + S)


def test_rotating_the_live_key_takes_the_room_out_of_live():
    after = transition(live(), Rotated(MAIN, T0 + S))
    assert after == Stream(State.INTERRUPTED, since=T0, interrupted_since=T0 + S)
    assert role_of(after, "1") is None  # nginx's next on_update is refused


def test_rotating_main_with_a_standby_hands_over_to_the_backup():
    after = transition(with_standby(), Rotated(MAIN, T0 + S))
    assert after == Stream(State.LIVE, T0, None, BACKUP, "2", T0)


def test_rotating_the_backup_key_drops_the_standby_only():
    assert transition(with_standby(), Rotated(BACKUP, T0 + S)) == live()
    assert transition(live(), Rotated(BACKUP, T0 + S)) == live()
    assert transition(Stream(), Rotated(MAIN, T0)) == Stream()


def view(stream: Stream, external: str | None = None) -> dict[str, object]:
    return state_view(3, stream, version=4, hls_base="/hls/", slug="a", external=external)


def test_the_event_names_the_playlist_of_the_publisher_on_air():
    assert view(live()) == {
        "forum": 3,
        "state": "live",
        "live": True,
        "since": T0.isoformat(),
        "interrupted_since": None,
        "publisher": "main",
        "version": 4,
        "hls_url": "/hls/a.m3u8",
        "stream_url": "/hls/a.m3u8",
    }
    assert view(live(BACKUP))["hls_url"] == "/hls/a-backup.m3u8"
    assert view(live(BACKUP), external="https://cdn/x.m3u8")["stream_url"] == "https://cdn/x.m3u8"


def test_interrupted_keeps_the_session_start_and_plays_nothing():
    assert view(transition(live(), Done("1", T0 + S))) == {
        "forum": 3,
        "state": "interrupted",
        "live": False,
        "since": T0.isoformat(),
        "interrupted_since": (T0 + S).isoformat(),
        "publisher": None,
        "version": 4,
        "hls_url": None,
        "stream_url": None,
    }


def test_offline_shows_nothing_of_a_session():
    assert view(Stream()) == {
        "forum": 3,
        "state": "offline",
        "live": False,
        "since": None,
        "interrupted_since": None,
        "publisher": None,
        "version": 4,
        "hls_url": None,
        "stream_url": None,
    }
